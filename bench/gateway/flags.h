#pragma once

#include "absl/status/statusor.h"
#include "bench/gateway/options.h"

namespace ingest::bench {

// Exit status for a bad command line.
inline constexpr int kExitUsage = 2;

// Parses the command line into BenchOptions (the only place flags are read)
// and validates them.
absl::StatusOr<BenchOptions> ParseBenchFlags(int argc, char** argv);

}  // namespace ingest::bench
