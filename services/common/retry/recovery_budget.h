#pragma once

// RecoveryBudget: paces the replacement of a client that failed for good (a
// Kafka consumer fenced by the broker, a producer whose idempotence state is
// broken) and says when to stop trying.
//
// The first replacement after a success may start at once; each further
// consecutive failure waits a capped exponential backoff. A success (the new
// client did useful work: joined its group, delivered a record) resets the
// count. After `max_failures` consecutive failures the budget is exhausted:
// the process should exit and let its supervisor restart it.
//
// Not thread-safe: the owner serialises calls.

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace ingest {

struct RecoveryBudgetOptions {
  absl::Duration initial_backoff = absl::Seconds(1);
  absl::Duration max_backoff = absl::Seconds(60);
  int max_failures = 10;
};

class RecoveryBudget {
 public:
  explicit RecoveryBudget(RecoveryBudgetOptions options,
                          std::function<absl::Time()> now = [] { return absl::Now(); });

  // The client failed (or could not be created) because of `cause`.
  void Failed(absl::Status cause);
  // The client worked: the next failure starts counting from one again.
  void Succeeded();

  // When the next replacement may start.
  absl::Time next_attempt() const { return next_attempt_; }
  bool AttemptDue() const { return now_() >= next_attempt_; }
  // Failures since the last success.
  int consecutive_failures() const { return failures_; }
  bool Exhausted() const { return failures_ >= options_.max_failures; }
  const absl::Status& last_failure() const { return last_failure_; }

  // For `what` ("the Kafka consumer"): FAILED_PRECONDITION once exhausted,
  // saying so; OK before.
  absl::Status GaveUpStatus(absl::string_view what) const;
  // UNAVAILABLE from the second failure in a row on (the first is routine),
  // FAILED_PRECONDITION once exhausted; OK otherwise. For liveness probes.
  absl::Status TroubleStatus(absl::string_view what) const;

 private:
  const RecoveryBudgetOptions options_;
  const std::function<absl::Time()> now_;
  int failures_ = 0;
  absl::Time next_attempt_ = absl::InfinitePast();
  absl::Status last_failure_;
};

}  // namespace ingest
