#pragma once

#include <functional>
#include <optional>

#include "absl/time/time.h"
#include "tools/chaos/lag_tracker.h"
#include "tools/loadgen/clock.h"

namespace ingest::chaos {

struct DrainResult {
  bool drained = false;  // a fresh sample showed lag 0
  absl::Time ended;
  std::optional<LagSample> last;  // the latest sample seen
};

// Waits until the latest sample (from `latest`) was taken after the wait
// began, is not stale, and shows lag 0 - or until `timeout` has passed.
// Checks every `poll` on `clock`, calling `on_poll(elapsed, latest)` each
// time (for a progress line). Runs on the calling thread.
DrainResult WaitForDrain(
    const std::function<std::optional<LagSample>()>& latest,
    loadgen::Clock& clock, absl::Duration timeout, absl::Duration poll,
    const std::function<void(absl::Duration, const std::optional<LagSample>&)>&
        on_poll);

}  // namespace ingest::chaos
