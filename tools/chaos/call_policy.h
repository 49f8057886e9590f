#pragma once

// How chaos_load retries a call, like a real SDK during an outage: no attempt
// limit, capped exponential backoff with jitter, the same request every
// time, and each retry sent to the next gateway.

#include "absl/functional/function_ref.h"
#include "absl/random/bit_gen_ref.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "tools/loadgen/clock.h"
#include "tools/loadgen/retry.h"

namespace ingest::chaos {

struct CallPolicy {
  loadgen::BackoffPolicy backoff = {.initial = absl::Milliseconds(100),
                                    .max = absl::Seconds(2),
                                    .multiplier = 2.0};
  // No new attempt starts this long after the call's first attempt started.
  absl::Duration give_up_after = absl::Seconds(180);
};

// loadgen's retryable codes (UNAVAILABLE, DEADLINE_EXCEEDED,
// RESOURCE_EXHAUSTED) plus the ones a connection dying under a call produces:
// CANCELLED (chaos_load never cancels its own calls, so it is the transport
// or a gateway shutting down), UNKNOWN and INTERNAL (e.g. "Stream removed",
// RST_STREAM mid-stream) and ABORTED. Retrying those is safe: the request
// keeps its payload_id and bytes and the worker stores by key. Requests the
// gateway rejects (INVALID_ARGUMENT, UNAUTHENTICATED, PERMISSION_DENIED,
// FAILED_PRECONDITION, ...) are not retried: sending them again cannot help.
bool IsRetryable(const absl::Status& status);

// The gateway (index into the list) for attempt `attempt` (1-based) of a
// call made by session thread `thread_index`: (thread_index + attempt - 1) %
// gateway_count. The first attempts of the threads spread over the gateways,
// and every retry moves to the next one.
int GatewayForAttempt(int thread_index, int attempt, int gateway_count);

// A failed attempt that will be retried.
struct RetryEvent {
  int attempt = 0;  // 1-based, the one that failed
  int gateway = 0;  // where it was sent
  absl::Status status;
  absl::Duration delay;  // pause before the next attempt
};

struct CallResult {
  absl::Status status;  // of the last attempt
  int attempts = 0;
};

// Calls `attempt(gateway, n)` for n = 1, 2, ... with gateway =
// GatewayForAttempt(thread_index, n, gateway_count) until it returns OK or a
// non-retryable status, or until give_up_after has passed since the first
// attempt started (checked after each failure). Before each retry calls
// `on_retry` and pauses on `clock` for BackoffDelay(backoff, n).
CallResult CallWithFailover(
    const CallPolicy& policy, int thread_index, int gateway_count,
    loadgen::Clock& clock, absl::BitGenRef jitter,
    absl::FunctionRef<absl::Status(int gateway, int attempt)> attempt,
    absl::FunctionRef<void(const RetryEvent&)> on_retry);

}  // namespace ingest::chaos
