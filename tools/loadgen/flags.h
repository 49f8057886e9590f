#pragma once

#include "absl/status/statusor.h"
#include "tools/loadgen/options.h"

namespace ingest::loadgen {

// Parses the command line into LoadgenOptions and validates them. The only
// place flags are read. --help prints the flags and exits (absl's
// behaviour); anything else unusable is INVALID_ARGUMENT naming the flag.
absl::StatusOr<LoadgenOptions> ParseFlags(int argc, char** argv);

}  // namespace ingest::loadgen
