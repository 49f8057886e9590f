#include "bench/e2e/takeover.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ingest::bench_e2e {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Optional;

const absl::Time kStop = absl::FromUnixSeconds(1000);

const absl::Duration kGrace = absl::Seconds(20);

absl::Time At(double seconds) { return kStop + absl::Seconds(seconds); }

TEST(TakeoverTrackerTest, TheLastPartitionToAdvanceSetsTheTakeoverTime) {
  // Partitions 4..7 were the killed worker's; 5 had no row yet.
  TakeoverTracker tracker(kStop, {{4, 100}, {5, 0}, {6, 80}, {7, 90}}, kGrace);
  tracker.ObserveHighWatermarks({{4, 120}, {5, 10}, {6, 95}, {7, 100}});
  // The offsets stay put for a session timeout, then move one by one.
  for (double t = 0; t < 10; t += 0.05) {
    EXPECT_THAT(tracker.ObserveCommitted(At(t), {{4, 100}, {6, 80}, {7, 90}}), IsEmpty());
  }
  EXPECT_FALSE(tracker.Complete(At(10)));
  EXPECT_THAT(tracker.ObserveCommitted(At(10.4), {{4, 110}, {6, 80}, {7, 90}}), ElementsAre(4));
  EXPECT_THAT(tracker.ObserveCommitted(At(10.6), {{4, 115}, {5, 3}, {6, 90}, {7, 90}}),
              ElementsAre(5, 6));
  EXPECT_FALSE(tracker.Complete(At(10.6)));
  TakeoverResult partial = tracker.Result();
  EXPECT_THAT(partial.pending, ElementsAre(7));
  EXPECT_EQ(partial.takeover, std::nullopt);

  EXPECT_THAT(tracker.ObserveCommitted(At(11.2), {{7, 91}}), ElementsAre(7));
  EXPECT_TRUE(tracker.Complete(At(11.2)));
  const TakeoverResult result = tracker.Result();
  EXPECT_THAT(result.takeover, Optional(absl::Milliseconds(11200)));
  EXPECT_EQ(result.advanced_after.at(4), absl::Milliseconds(10400));
  EXPECT_THAT(result.idle, IsEmpty());
  EXPECT_THAT(result.pending, IsEmpty());
}

TEST(TakeoverTrackerTest, APartitionWithNothingToConsumeIsLeftOutAndCounted) {
  TakeoverTracker tracker(kStop, {{0, 50}, {1, 60}}, kGrace);
  tracker.ObserveCommitted(At(7), {{0, 55}, {1, 60}});
  EXPECT_FALSE(tracker.Complete(At(25)));  // no watermarks yet: 1 may have records
  tracker.ObserveHighWatermarks({{0, 70}, {1, 60}});
  EXPECT_FALSE(tracker.Complete(At(7)));  // too soon to call 1 idle: records may be on their way
  EXPECT_TRUE(tracker.Complete(At(25)));
  const TakeoverResult result = tracker.Result();
  EXPECT_THAT(result.idle, ElementsAre(1));
  EXPECT_THAT(result.takeover, Optional(absl::Seconds(7)));
}

TEST(TakeoverTrackerTest, NothingToConsumeAnywhereMeasuresNothing) {
  TakeoverTracker tracker(kStop, {{0, 50}}, kGrace);
  tracker.ObserveHighWatermarks({{0, 50}});
  EXPECT_FALSE(tracker.Complete(At(0)));  // caught up at the stop is not idle yet
  EXPECT_TRUE(tracker.Complete(At(20)));
  EXPECT_EQ(tracker.Result().takeover, std::nullopt);
  EXPECT_THAT(tracker.Result().idle, ElementsAre(0));
}

TEST(TakeoverTrackerTest, ARecordArrivingLaterMakesAnIdlePartitionPendingAgain) {
  TakeoverTracker tracker(kStop, {{0, 50}}, kGrace);
  tracker.ObserveHighWatermarks({{0, 50}});
  tracker.ObserveHighWatermarks({{0, 51}});
  EXPECT_FALSE(tracker.Complete(At(30)));
  EXPECT_THAT(tracker.Result().pending, ElementsAre(0));
}

TEST(TakeoverTrackerTest, OtherPartitionsAreIgnored) {
  TakeoverTracker tracker(kStop, {{3, 10}}, kGrace);
  EXPECT_THAT(tracker.ObserveCommitted(At(1), {{0, 99}, {3, 10}}), IsEmpty());
  EXPECT_THAT(tracker.ObserveCommitted(At(2), {{3, 11}}), ElementsAre(3));
  EXPECT_TRUE(tracker.Complete(At(2)));
}

}  // namespace
}  // namespace ingest::bench_e2e
