#pragma once

#include "tools/chaos/options.h"

namespace ingest::chaos {

// The chaos_load program after flag parsing: pre-flight (PostgreSQL, Kafka,
// at least one gateway, the API key), each failure a clear message and exit
// status 2; then RunScenario on the real clients. Returns the exit status.
// `options` must be valid.
int RunChaosMain(const ChaosOptions& options);

}  // namespace ingest::chaos
