#pragma once

// The open-loop send schedule of a latency phase: message i is due at
// start + i / rate, whatever happened to earlier messages. Latency is taken
// from a message's due time, not from when it was actually sent, so a stalled
// sender or a slow system under test cannot hide its own queueing delay
// (no coordinated omission).

#include <cstdint>

#include "absl/time/time.h"

namespace ingest::bench {

// Immutable; safe to share between threads.
class RateSchedule {
 public:
  // Requires per_second > 0 (checked).
  RateSchedule(absl::Time start, double per_second);

  // When message `index` (0-based) is due.
  absl::Time DueTime(int64_t index) const;

  // How many messages are due at `now`: the number of indexes i with
  // DueTime(i) <= now (0 before start).
  int64_t DueCount(absl::Time now) const;

  // How many messages fall in [start, start + span): the phase's total.
  int64_t CountWithin(absl::Duration span) const;

  absl::Time start() const { return start_; }
  double per_second() const { return per_second_; }

 private:
  absl::Time start_;
  double per_second_;
};

}  // namespace ingest::bench
