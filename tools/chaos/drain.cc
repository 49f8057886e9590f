#include "tools/chaos/drain.h"

namespace ingest::chaos {

DrainResult WaitForDrain(
    const std::function<std::optional<LagSample>()>& latest,
    loadgen::Clock& clock, absl::Duration timeout, absl::Duration poll,
    const std::function<void(absl::Duration, const std::optional<LagSample>&)>&
        on_poll) {
  const absl::Time begin = clock.Now();
  DrainResult result;
  for (;;) {
    result.last = latest();
    result.ended = clock.Now();
    if (on_poll) on_poll(result.ended - begin, result.last);
    if (result.last.has_value() && result.last->at >= begin &&
        !result.last->stale && result.last->lag == 0) {
      result.drained = true;
      return result;
    }
    if (result.ended - begin >= timeout) return result;
    clock.SleepFor(poll);
  }
}

}  // namespace ingest::chaos
