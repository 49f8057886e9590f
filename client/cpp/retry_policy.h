#pragma once

// RetryPolicy: the decision half of the retry contract
// (proto/ingest/v1/RETRY.md), as a pure function of what one attempt saw.
//
// Given the status of an attempt, the pushback the gateway asked for
// (`retry-after-ms` / `grpc-retry-pushback-ms`), how many attempts were made
// and how long the call has been going, Decide() says: return the status to
// the caller, retry after a wait, or (a payload refused as too large by a
// transport) resend it at once as a PushPayloadStream. It never sleeps, never
// reads a clock and draws its jitter from the random source it is given, so
// every branch is unit-tested without waiting. The caller (retried_call.h)
// measures time, sleeps and counts attempts.
//
// Thread-safety: RetryPolicy is immutable after construction; Decide() is
// const and may be called from any thread (the BitGenRef must not be shared
// between threads without the caller's own locking).

#include <optional>
#include <string>

#include "absl/random/bit_gen_ref.h"
#include "absl/status/status.h"
#include "absl/time/time.h"

namespace ingest::client {

struct RetryPolicyOptions {
  // Attempt n (1-based) that failed waits a random time in
  // [0, min(max_backoff, initial_backoff * 2^(n-1))] ("full jitter").
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(10);
  // Give up after this many attempts in all (the first included); 0 = no limit.
  int max_attempts = 0;
  // Give up when the next attempt could not start within this time of the
  // first attempt's start. absl::InfiniteDuration() = no limit.
  absl::Duration max_elapsed = absl::Minutes(5);
};

// What one attempt saw, and where the call stands.
struct AttemptOutcome {
  absl::StatusCode code = absl::StatusCode::kOk;
  // The gateway's requested wait (trailing metadata), if it sent one.
  std::optional<absl::Duration> pushback;
  // Attempts made so far, this one included (>= 1).
  int attempt = 1;
  // Time since the first attempt started, measured when this one ended.
  absl::Duration elapsed = absl::ZeroDuration();
  // The call is a payload sent with unary PushPayload, which may be resent
  // as a stream when a transport refuses it as too large.
  bool can_stream = false;
};

struct RetryDecision {
  enum class Action {
    kReturn,           // success or final: hand the status to the caller
    kRetry,            // wait `wait`, then send the same request again
    kRetryAsStream,    // send the same payload with PushPayloadStream now
  };
  Action action = Action::kReturn;
  absl::Duration wait = absl::ZeroDuration();
  // For kReturn of a non-OK status: why the policy stopped, for the caller's
  // error message ("final status", "gave up after 12 attempts over 5m0s").
  std::string reason;
  // True when kReturn was chosen although the status was retryable (the
  // attempt or time limit was reached).
  bool gave_up = false;
};

// How the contract classifies a status on its own.
enum class StatusClass {
  kOk,
  kRetryable,             // UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED, RESOURCE_EXHAUSTED + pushback
  kTooLargeForTransport,  // RESOURCE_EXHAUSTED without pushback
  kFinal,                 // everything else, CANCELLED included
};
StatusClass Classify(absl::StatusCode code, bool has_pushback);

class RetryPolicy {
 public:
  // Checks the options: INVALID_ARGUMENT for negative or inconsistent values.
  static absl::Status Validate(const RetryPolicyOptions& options);

  explicit RetryPolicy(RetryPolicyOptions options = {}) : options_(options) {}

  RetryDecision Decide(const AttemptOutcome& outcome, absl::BitGenRef random) const;

  // The jittered backoff after failed attempt `attempt` (>= 1), without
  // pushback: uniform in [0, BackoffCeiling(attempt)].
  absl::Duration Backoff(int attempt, absl::BitGenRef random) const;
  absl::Duration BackoffCeiling(int attempt) const;

  const RetryPolicyOptions& options() const { return options_; }

 private:
  RetryPolicyOptions options_;
};

}  // namespace ingest::client
