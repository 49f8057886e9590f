#include "tools/loadgen/retry.h"

#include <algorithm>
#include <cmath>

#include "absl/random/distributions.h"

namespace ingest::loadgen {

bool IsRetryable(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted:
      return true;
    default:
      return false;
  }
}

absl::Duration BackoffDelay(const BackoffPolicy& policy, int retry,
                            absl::BitGenRef gen) {
  const double factor = std::pow(policy.multiplier, std::max(0, retry - 1));
  // Compare in seconds as doubles: multiplier^retry can overflow a Duration.
  const double base_seconds =
      std::min(absl::ToDoubleSeconds(policy.initial) * factor,
               absl::ToDoubleSeconds(policy.max));
  return absl::Seconds(base_seconds * absl::Uniform(gen, 0.5, 1.0));
}

absl::Status CallWithRetries(
    const RetryOptions& options, Clock& clock, absl::BitGenRef gen,
    absl::FunctionRef<absl::Status(int attempt)> attempt,
    const RetryListener& on_retry) {
  const int max_attempts = std::max(1, options.max_attempts);
  absl::Status status;
  for (int n = 1; n <= max_attempts; ++n) {
    status = attempt(n);
    if (status.ok() || !IsRetryable(status) || n == max_attempts) break;
    const absl::Duration delay = BackoffDelay(options.backoff, n, gen);
    if (on_retry) on_retry(n, status, delay);
    clock.SleepFor(delay);
  }
  return status;
}

}  // namespace ingest::loadgen
