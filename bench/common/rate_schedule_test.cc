#include "bench/common/rate_schedule.h"

#include "gtest/gtest.h"

namespace ingest::bench {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);

TEST(RateScheduleTest, DueTimesAreEvenlySpaced) {
  const RateSchedule schedule(kStart, 1000);
  EXPECT_EQ(schedule.DueTime(0), kStart);
  EXPECT_EQ(schedule.DueTime(1), kStart + absl::Milliseconds(1));
  EXPECT_EQ(schedule.DueTime(2500), kStart + absl::Milliseconds(2500));
}

TEST(RateScheduleTest, NothingIsDueBeforeStart) {
  const RateSchedule schedule(kStart, 10);
  EXPECT_EQ(schedule.DueCount(kStart - absl::Nanoseconds(1)), 0);
}

TEST(RateScheduleTest, MessageZeroIsDueAtStart) {
  const RateSchedule schedule(kStart, 10);
  EXPECT_EQ(schedule.DueCount(kStart), 1);
  EXPECT_EQ(schedule.DueCount(kStart + absl::Milliseconds(99)), 1);
  EXPECT_EQ(schedule.DueCount(kStart + absl::Milliseconds(100)), 2);
  EXPECT_EQ(schedule.DueCount(kStart + absl::Seconds(1)), 11);
}

TEST(RateScheduleTest, DueCountAgreesWithDueTimeForAwkwardRates) {
  for (const double rate : {3.0, 7.5, 333.3, 4096.0, 12345.678}) {
    const RateSchedule schedule(kStart, rate);
    for (int64_t i = 0; i < 5000; i += 7) {
      const absl::Time due = schedule.DueTime(i);
      EXPECT_EQ(schedule.DueCount(due), i + 1) << "rate " << rate << " index " << i;
      EXPECT_EQ(schedule.DueCount(due - absl::Nanoseconds(1)), i) << "rate " << rate;
    }
  }
}

TEST(RateScheduleTest, CountWithinIsHalfOpen) {
  const RateSchedule schedule(kStart, 100);
  // Due at 0, 10, ..., 990 ms: 100 messages; the one at 1000 ms is outside.
  EXPECT_EQ(schedule.CountWithin(absl::Seconds(1)), 100);
  EXPECT_EQ(schedule.CountWithin(absl::Milliseconds(1001)), 101);
  EXPECT_EQ(schedule.CountWithin(absl::ZeroDuration()), 0);
  EXPECT_EQ(RateSchedule(kStart, 0.5).CountWithin(absl::Seconds(3)), 2);
}

TEST(RateScheduleDeathTest, RejectsNonPositiveRates) {
  EXPECT_DEATH(RateSchedule(kStart, 0), "rate must be positive");
  EXPECT_DEATH(RateSchedule(kStart, -1), "rate must be positive");
}

}  // namespace
}  // namespace ingest::bench
