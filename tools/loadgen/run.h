#pragma once

#include "absl/status/statusor.h"
#include "tools/loadgen/clock.h"
#include "tools/loadgen/console.h"
#include "tools/loadgen/ingest_client.h"
#include "tools/loadgen/options.h"
#include "tools/loadgen/row_reader.h"
#include "tools/loadgen/summary.h"

namespace ingest::loadgen {

// One whole run on already-connected collaborators: drives the sessions
// through `client` (progress on `console`), writes --ledger_out if set, waits
// for the rows through `reader`, then (--completion_timeout) for the sessions
// whose last payload is stored to be completed, reads everything once,
// verifies the payloads against the ledger and the sessions' summaries
// against the factory's facts, logs the problems found, and returns the
// summary. Fails only if the final database read fails.
//
// `options` must be valid (ValidateOptions). Blocks; runs sessions on its own
// threads, so `client` must be thread-safe. Retry pauses and verification
// polling wait on `clock`.
absl::StatusOr<RunSummary> RunAndVerify(const LoadgenOptions& options,
                                        IngestClient& client,
                                        RowReader& reader, Console& console,
                                        Clock& clock);

}  // namespace ingest::loadgen
