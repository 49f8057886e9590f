#pragma once

#include "tools/loadgen/options.h"

namespace ingest::loadgen {

// The loadgen program after flag parsing: connects to PostgreSQL and the
// gateway (explaining what to do if either is unreachable), runs and
// verifies (RunAndVerify), prints the summary as the last stdout line and
// returns the process exit code (kExitOk, kExitFailed or kExitUsage).
// `options` must be valid.
int RunLoadgenMain(const LoadgenOptions& options);

}  // namespace ingest::loadgen
