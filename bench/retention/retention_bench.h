#pragma once

// The retention benchmark of issue 21, phase by phase (README.md):
//
//   setup    reach PostgreSQL, bring its schema current, truncate the
//            worker's tables, check the free disk space, make the random
//            blocks the expired payloads are cut from;
//   sizes    for each size: one past day filled with that much payload data
//            (day_fill.h), settled (CHECKPOINT), then one EnforceRetention
//            that expires it, timed (enforcement_timing.h), nothing else
//            running;
//   worker   `runs` times: the day refilled with the worker phase's size,
//            a writer through the worker's store (store_writer.h) warmed up,
//            a window of it alone, a window from the start of an
//            EnforceRetention that expires the day, and a window alone again
//            (write_window.h): during is compared with before and after.
//   cleanup  the worker's tables truncated (the data goes).
//
// Prints the `bench retention: ...` lines on stdout, progress on stderr,
// and appends the records of retention_bench_results.proto to
// options.results_jsonl.

#include "bench/retention/options.h"

namespace ingest::bench_retention {

// Runs the benchmark; returns the process exit status: 0 when everything was
// measured (missed targets included: they are reported, not asserted), 1 on
// an error (the lines measured so far are printed first).
int RunRetentionBench(const RetentionBenchOptions& options);

}  // namespace ingest::bench_retention
