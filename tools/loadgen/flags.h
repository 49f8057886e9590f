#pragma once

#include <optional>

#include "tools/loadgen/options.h"

namespace ingest::loadgen {

// Parses loadgen's command line (CLI11) into `options`, whose fields hold the
// defaults: each flag is bound to its field and checked as it is read, then
// the flags that depend on each other are checked together. Returns nullopt
// to run, or the exit status to stop with: 0 after --help (printed on
// stdout), kExitUsage after an unknown flag, a bad value or a missing
// endpoint (on stderr, naming the flag). The only place flags are read.
std::optional<int> ParseFlags(int argc, char** argv, LoadgenOptions& options);

}  // namespace ingest::loadgen
