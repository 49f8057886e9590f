#pragma once

#include <functional>

#include "absl/functional/function_ref.h"
#include "absl/random/bit_gen_ref.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "tools/loadgen/clock.h"

namespace ingest::loadgen {

// Capped exponential backoff with jitter.
struct BackoffPolicy {
  absl::Duration initial = absl::Milliseconds(100);
  absl::Duration max = absl::Seconds(5);
  double multiplier = 2.0;
};

struct RetryOptions {
  // Total attempts including the first; at least 1.
  int max_attempts = 8;
  BackoffPolicy backoff;
};

// True for the codes a client retries with the same request: the gateway
// could not get an acknowledgement (UNAVAILABLE), the call ran out of time
// (DEADLINE_EXCEEDED) or the gateway shed load (RESOURCE_EXHAUSTED).
bool IsRetryable(const absl::Status& status);

// The pause before retry number `retry` (1 for the pause after the first
// failed attempt): base = min(initial * multiplier^(retry-1), max), and the
// result is uniform in [base/2, base] ("equal jitter") drawn from `gen`.
absl::Duration BackoffDelay(const BackoffPolicy& policy, int retry,
                            absl::BitGenRef gen);

// Called before each pause: the attempt that failed (1-based), its status and
// how long the caller will wait before the next attempt.
using RetryListener = std::function<void(
    int failed_attempt, const absl::Status& status, absl::Duration delay)>;

// Calls `attempt(n)` for n = 1, 2, ... until it returns OK, a non-retryable
// status, or max_attempts attempts were made; pauses on `clock` between
// attempts. Returns the last status. The caller makes every attempt identical
// (same payload_id), which is what makes a retry harmless.
absl::Status CallWithRetries(
    const RetryOptions& options, Clock& clock, absl::BitGenRef gen,
    absl::FunctionRef<absl::Status(int attempt)> attempt,
    const RetryListener& on_retry);

}  // namespace ingest::loadgen
