#pragma once

#include "absl/status/statusor.h"
#include "bench/e2e/options.h"

namespace ingest::bench_e2e {

// Exit status for a bad command line.
inline constexpr int kExitUsage = 2;

// Parses the command line into E2eOptions (the only place flags are read),
// applies the mode's defaults and validates. Everything after `--` is the
// worker's command line.
absl::StatusOr<E2eOptions> ParseE2eFlags(int argc, char** argv);

}  // namespace ingest::bench_e2e
