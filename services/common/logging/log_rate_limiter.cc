#include "services/common/logging/log_rate_limiter.h"

namespace ingest {

std::optional<int64_t> LogRateLimiter::Admit(absl::string_view key) {
  const absl::Time now = clock_();
  absl::MutexLock lock(&mutex_);
  KeyState& state = keys_[key];
  if (now - state.window_start >= options_.window) {
    state.window_start = now;
    state.lines_in_window = 0;
  }
  if (state.lines_in_window >= options_.max_lines) {
    ++state.suppressed;
    return std::nullopt;
  }
  ++state.lines_in_window;
  const int64_t suppressed = state.suppressed;
  state.suppressed = 0;
  return suppressed;
}

}  // namespace ingest
