#pragma once

// The worker benchmark of issue 4, phase by phase (see bench/README.md):
//
//   setup   reach PostgreSQL, bring its schema current, create the raw COPY
//           table (LIKE session_payloads INCLUDING ALL), create the producer
//           (the gateway's configuration), check the free disk space;
//   phase   (size, partitions): a fresh topic; N Task records produced and
//           acknowledged; then `runs` times, interleaved with the copy (or,
//           at many partitions, with a drain of the base phase's topic of
//           the same size): the worker's tables truncated; the worker
//           started in a new consumer group on that topic and timed from the
//           first records it was seen to have committed to the last, its CPU
//           time read from /proc over the same span; stopped by pid; every
//           row checked present;
//   copy    (base partitions only) the same rows COPYed by one libpq client
//           in worker-sized transactions, data stored as the worker stores it.
//
// Each ratio is the median of the per-pair ratios, printed with its spread.
//
// Prints the `bench worker: ...` lines on stdout, progress on stderr, and
// appends JSON lines to options.results_jsonl.

#include "bench/worker/options.h"

namespace ingest::bench_worker {

// Runs the benchmark; returns the process exit status: 0 when everything was
// measured (missed targets included: they are reported, not asserted), 1 on
// an error (the lines measured so far are printed first).
int RunWorkerBench(const WorkerBenchOptions& options);

}  // namespace ingest::bench_worker
