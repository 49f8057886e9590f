#include "bench/common/rate_schedule.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace ingest::bench {

RateSchedule::RateSchedule(absl::Time start, double per_second)
    : start_(start), per_second_(per_second) {
  if (!(per_second > 0 && std::isfinite(per_second))) {
    std::fprintf(stderr, "RateSchedule: rate must be positive and finite, got %g\n", per_second);
    std::abort();
  }
}

absl::Time RateSchedule::DueTime(int64_t index) const {
  return start_ + absl::Seconds(static_cast<double>(index) / per_second_);
}

int64_t RateSchedule::DueCount(absl::Time now) const {
  if (now < start_) return 0;
  // The floating estimate can be one off either way; DueTime is the truth.
  int64_t count =
      static_cast<int64_t>(std::floor(absl::ToDoubleSeconds(now - start_) * per_second_)) + 1;
  while (count > 0 && DueTime(count - 1) > now) --count;
  while (DueTime(count) <= now) ++count;
  return count;
}

int64_t RateSchedule::CountWithin(absl::Duration span) const {
  if (span <= absl::ZeroDuration()) return 0;
  const absl::Time end = start_ + span;
  // Messages due strictly before `end`.
  int64_t count = static_cast<int64_t>(std::ceil(absl::ToDoubleSeconds(span) * per_second_));
  while (count > 0 && DueTime(count - 1) >= end) --count;
  while (DueTime(count) < end) ++count;
  return count;
}

}  // namespace ingest::bench
