#pragma once

#include "absl/status/statusor.h"
#include "bench/worker/options.h"

namespace ingest::bench_worker {

// Exit status for a bad command line.
inline constexpr int kExitUsage = 2;

// Parses the command line into WorkerBenchOptions (the only place flags are
// read) and validates them. Everything after `--` is the worker's command.
absl::StatusOr<WorkerBenchOptions> ParseWorkerBenchFlags(int argc, char** argv);

}  // namespace ingest::bench_worker
