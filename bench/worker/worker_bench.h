#pragma once

// The worker benchmark of issue 4, phase by phase (see bench/README.md):
//
//   setup   reach PostgreSQL, bring its schema current, create the raw COPY
//           table (LIKE session_payloads INCLUDING ALL) and the producer
//           (the gateway's configuration), check the free disk space;
//   phase   (size, partitions): a fresh topic filled (prefill.h); then `runs`
//           times, interleaved: the worker's tables truncated and a worker
//           run in a new consumer group (worker_drain.h), then the raw COPY
//           of the same rows (raw_copy.h; base partitions) or, at many
//           partitions, a worker run on the base phase's topic of that size.
//
// Each ratio is the median of the per-pair ratios, printed with its spread.
// Prints the `bench worker: ...` lines on stdout, progress on stderr, and
// appends the records of worker_bench_results.proto to options.results_jsonl.

#include "bench/worker/options.h"

namespace ingest::bench_worker {

// Runs the benchmark; returns the process exit status: 0 when everything was
// measured (missed targets included: they are reported, not asserted), 1 on
// an error (the lines measured so far are printed first).
int RunWorkerBench(const WorkerBenchOptions& options);

}  // namespace ingest::bench_worker
