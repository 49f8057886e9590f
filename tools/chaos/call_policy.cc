#include "tools/chaos/call_policy.h"

namespace ingest::chaos {

bool IsRetryable(const absl::Status& status) {
  if (loadgen::IsRetryable(status)) return true;
  switch (status.code()) {
    case absl::StatusCode::kCancelled:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kAborted:
      return true;
    default:
      return false;
  }
}

int GatewayForAttempt(int thread_index, int attempt, int gateway_count) {
  return (thread_index + attempt - 1) % gateway_count;
}

CallResult CallWithFailover(
    const CallPolicy& policy, int thread_index, int gateway_count,
    loadgen::Clock& clock, absl::BitGenRef jitter,
    absl::FunctionRef<absl::Status(int gateway, int attempt)> attempt,
    absl::FunctionRef<void(const RetryEvent&)> on_retry) {
  const absl::Time first_start = clock.Now();
  CallResult result;
  for (int n = 1;; ++n) {
    const int gateway = GatewayForAttempt(thread_index, n, gateway_count);
    result.status = attempt(gateway, n);
    result.attempts = n;
    if (result.status.ok() || !IsRetryable(result.status)) return result;
    if (clock.Now() - first_start >= policy.give_up_after) return result;
    const absl::Duration delay = loadgen::BackoffDelay(policy.backoff, n, jitter);
    on_retry(RetryEvent{.attempt = n, .gateway = gateway, .status = result.status,
                        .delay = delay});
    clock.SleepFor(delay);
  }
}

}  // namespace ingest::chaos
