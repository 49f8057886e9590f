#pragma once

#include <cstdio>

#include "client/cpp/clock.h"
#include "tools/chaos/lag_sources.h"
#include "tools/chaos/lag_tracker.h"
#include "tools/chaos/loss_cause.h"
#include "tools/chaos/options.h"
#include "tools/console/console.h"
#include "tools/loadgen/row_reader.h"

namespace ingest::chaos {

// The connected pieces a run works with (pre-flight made them). Not owned;
// they must outlive the run.
struct Collaborators {
  loadgen::RowReader* rows = nullptr;
  CommittedOffsetSource* offsets = nullptr;
  HighWatermarkSource* watermarks = nullptr;
  // Read only when acknowledged payloads are missing, to tell true loss
  // from a stall; null: the cause is reported unknown.
  TopicPayloadSource* topic_payloads = nullptr;
  // The lag sides as read at pre-flight.
  LagTracker initial_lag{0, 0};
  // For tests: the clock of the SDK's clients (their retry waits); null:
  // the system clock.
  client::Clock* sdk_clock = nullptr;
};

// One whole chaos run on connected collaborators: load through the SDK to
// --gateways (ClientOptionsFor), with the lag sampled
// every 500 ms on its own thread, progress and aggregated retries on
// `console`), drain until the lag is 0 or --drain_timeout, --ledger_out and
// --timeline_out, the marks file, verification (lost payloads are looked
// up in the topic: absent from Kafka or stalled), then the two result lines on
// `out` and one console line per failed check. Returns the exit code
// (kExitOk, or kExitFailed for a failed check, missing marks or an
// unreadable database at the end).
//
// `options` must be valid. Blocks. Payload intervals and the drain wait use
// `clock`, retry pauses the SDK's (with.sdk_clock); the lag sampler's thread
// and the progress ticker run on wall time.
int RunScenario(const ChaosOptions& options, const Collaborators& with, console::Console& console,
                std::FILE* out, client::Clock& clock);

}  // namespace ingest::chaos
