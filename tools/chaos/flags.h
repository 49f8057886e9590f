#pragma once

#include "absl/status/statusor.h"
#include "tools/chaos/options.h"

namespace ingest::chaos {

// Parses the command line into ChaosOptions and validates them. The only
// place flags are read. --help prints the flags and exits (absl's
// behaviour); anything else unusable is INVALID_ARGUMENT with a one-line
// message naming the flag.
absl::StatusOr<ChaosOptions> ParseFlags(int argc, char** argv);

}  // namespace ingest::chaos
