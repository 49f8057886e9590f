#pragma once

#include "absl/status/statusor.h"
#include "client/cpp/clock.h"
#include "client/cpp/options.h"
#include "tools/console/console.h"
#include "tools/loadgen/options.h"
#include "tools/loadgen/row_reader.h"
#include "tools/loadgen/summary.h"

namespace ingest::loadgen {

// One whole run on already-connected collaborators: drives the sessions
// through the SDK, each with its own client made from `sdk`
// (ClientOptionsFor(options) in a real run; progress on `console`), writes
// --ledger_out if set, waits for the rows through `reader`, then
// (--completion_timeout) for the sessions whose last payload is stored to be
// completed, reads everything once,
// verifies the payloads against the ledger and the sessions' summaries
// against the factory's facts, logs the problems found, and returns the
// summary. Fails only if the final database read fails.
//
// `options` must be valid (as ParseFlags leaves them), `sdk` too (its observer is
// replaced). Blocks; runs sessions on its own threads. Retry pauses wait on
// the SDK's clock (sdk.clock), load timing and verification polling on
// `clock`.
absl::StatusOr<RunSummary> RunAndVerify(const LoadgenOptions& options,
                                        const client::ClientOptions& sdk, RowReader& reader,
                                        console::Console& console, client::Clock& clock);

}  // namespace ingest::loadgen
