#include "client/cpp/retry_policy.h"

#include <algorithm>

#include "absl/random/distributions.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace ingest::client {

StatusClass Classify(absl::StatusCode code, bool has_pushback) {
  switch (code) {
    case absl::StatusCode::kOk:
      return StatusClass::kOk;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kAborted:
    // A gateway stopping cancels calls gRPC accepted but never handed to the
    // service (nothing was produced). The client's own cancellations (its
    // shutdown) never get here as retries: ClientCore ends them first.
    case absl::StatusCode::kCancelled:
      return StatusClass::kRetryable;
    case absl::StatusCode::kResourceExhausted:
      return has_pushback ? StatusClass::kRetryable : StatusClass::kTooLargeForTransport;
    default:
      return StatusClass::kFinal;
  }
}

absl::Status RetryPolicy::Validate(const RetryPolicyOptions& options) {
  if (options.initial_backoff <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("retry initial_backoff must be positive");
  }
  if (options.max_backoff < options.initial_backoff) {
    return absl::InvalidArgumentError(absl::StrCat(
        "retry max_backoff (", absl::FormatDuration(options.max_backoff),
        ") must be at least initial_backoff (", absl::FormatDuration(options.initial_backoff),
        ")"));
  }
  if (options.max_attempts < 0) {
    return absl::InvalidArgumentError("retry max_attempts must be 0 (no limit) or more");
  }
  if (options.max_elapsed <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "retry max_elapsed must be positive (absl::InfiniteDuration() for no limit)");
  }
  return absl::OkStatus();
}

absl::Duration RetryPolicy::BackoffCeiling(int attempt) const {
  // Doubling past the cap is pointless and would overflow: stop early.
  absl::Duration ceiling = options_.initial_backoff;
  for (int i = 1; i < attempt && ceiling < options_.max_backoff; ++i) ceiling *= 2;
  return std::min(ceiling, options_.max_backoff);
}

absl::Duration RetryPolicy::Backoff(int attempt, absl::BitGenRef random) const {
  const int64_t ceiling_us = absl::ToInt64Microseconds(BackoffCeiling(attempt));
  return absl::Microseconds(absl::Uniform<int64_t>(absl::IntervalClosed, random, 0, ceiling_us));
}

RetryDecision RetryPolicy::Decide(const AttemptOutcome& outcome, absl::BitGenRef random) const {
  RetryDecision decision;
  switch (Classify(outcome.code, outcome.pushback.has_value())) {
    case StatusClass::kOk:
      return decision;
    case StatusClass::kFinal:
      decision.reason = "final status, not retried";
      return decision;
    case StatusClass::kTooLargeForTransport:
      if (!outcome.can_stream) {
        decision.reason =
            "RESOURCE_EXHAUSTED without retry-after-ms: a transport refused the message as too "
            "large; final";
        return decision;
      }
      // A different request (the stream), so not subject to the backoff; it
      // still counts against the attempt and time limits below.
      decision.action = RetryDecision::Action::kRetryAsStream;
      break;
    case StatusClass::kRetryable:
      decision.action = RetryDecision::Action::kRetry;
      decision.wait = Backoff(outcome.attempt, random);
      if (outcome.pushback.has_value()) decision.wait = std::max(decision.wait, *outcome.pushback);
      break;
  }
  const auto give_up = [&](absl::string_view why) {
    decision.action = RetryDecision::Action::kReturn;
    decision.gave_up = true;
    decision.reason = absl::StrCat("gave up after ", outcome.attempt, " attempt",
                                   outcome.attempt == 1 ? "" : "s", " over ",
                                   absl::FormatDuration(absl::Trunc(outcome.elapsed,
                                                                    absl::Milliseconds(1))),
                                   " (", why, ")");
    decision.wait = absl::ZeroDuration();
    return decision;
  };
  if (options_.max_attempts > 0 && outcome.attempt >= options_.max_attempts) {
    return give_up(absl::StrCat("max_attempts ", options_.max_attempts));
  }
  if (outcome.elapsed + decision.wait >= options_.max_elapsed) {
    return give_up(absl::StrCat("max_elapsed ", absl::FormatDuration(options_.max_elapsed),
                                decision.wait > absl::ZeroDuration()
                                    ? absl::StrCat(" would pass during the next wait of ",
                                                   absl::FormatDuration(decision.wait))
                                    : ""));
  }
  return decision;
}

}  // namespace ingest::client
