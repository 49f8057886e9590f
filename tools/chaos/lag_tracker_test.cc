#include "tools/chaos/lag_tracker.h"

#include <deque>
#include <string>
#include <vector>

#include "client/cpp/testing/fake_clock.h"
#include "gtest/gtest.h"

namespace ingest::chaos {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);

TEST(LagTrackerTest, LagIsHighWatermarksMinusCommittedOffsets) {
  LagTracker tracker(100, 90);
  const LagSample sample = tracker.Update(kT0, 95, 120);
  EXPECT_EQ(sample.at, kT0);
  EXPECT_EQ(sample.lag, 25);
  EXPECT_FALSE(sample.stale);
}

TEST(LagTrackerTest, AnUnreadableSideKeepsItsLastValueAndMarksTheSampleStale) {
  LagTracker tracker(100, 90);
  // Kafka down: nothing is produced, the watermarks stand still.
  LagSample sample = tracker.Update(kT0, 95, absl::UnavailableError("broker down"));
  EXPECT_EQ(sample.lag, 5);
  EXPECT_TRUE(sample.stale);
  // PostgreSQL down: nothing is committed, the offsets stand still.
  sample = tracker.Update(kT0, absl::UnavailableError("pg down"), 140);
  EXPECT_EQ(sample.lag, 45);
  EXPECT_TRUE(sample.stale);
  sample = tracker.Update(kT0, 140, 140);
  EXPECT_EQ(sample.lag, 0);
  EXPECT_FALSE(sample.stale);
}

TEST(LagTrackerTest, NeverNegative) {
  LagTracker tracker(0, 0);
  EXPECT_EQ(tracker.Update(kT0, 10, 5).lag, 0);
}

// Answers from a script of values and errors; repeats the last one.
class ScriptedSource final : public CommittedOffsetSource, public HighWatermarkSource {
 public:
  explicit ScriptedSource(std::deque<absl::StatusOr<int64_t>> script)
      : script_(std::move(script)) {}
  absl::StatusOr<int64_t> SumNextOffsets() override { return Next(); }
  absl::StatusOr<int64_t> SumHighWatermarks() override { return Next(); }

 private:
  absl::StatusOr<int64_t> Next() {
    absl::StatusOr<int64_t> value = script_.front();
    if (script_.size() > 1) script_.pop_front();
    return value;
  }
  std::deque<absl::StatusOr<int64_t>> script_;
};

TEST(LagSamplerTest, SamplesKeepsThemAndLogsEachOutageOnce) {
  client::testing::FakeClock clock(kT0);
  ScriptedSource committed(
      {10, absl::UnavailableError("pg down"), absl::UnavailableError("pg down"), 30});
  ScriptedSource high({20, 30, 35, 40});
  std::vector<std::string> logs;
  LagSampler sampler({}, committed, high, LagTracker(0, 0), clock,
                     [&](std::string line) { logs.push_back(std::move(line)); });
  EXPECT_EQ(sampler.Latest(), std::nullopt);

  std::vector<int64_t> lags;
  for (int i = 0; i < 4; ++i) {
    lags.push_back(sampler.SampleOnce().lag);
    clock.SleepFor(absl::Milliseconds(500));
  }
  EXPECT_EQ(lags, (std::vector<int64_t>{10, 20, 25, 10}));
  const std::vector<LagSample> samples = sampler.Samples();
  ASSERT_EQ(samples.size(), 4u);
  EXPECT_TRUE(samples[2].stale);
  EXPECT_EQ(samples[1].at, kT0 + absl::Milliseconds(500));
  EXPECT_TRUE(samples[1].stale);
  EXPECT_EQ(sampler.Latest()->lag, 10);
  ASSERT_EQ(logs.size(), 2u);
  EXPECT_NE(logs[0].find("cannot read PostgreSQL"), std::string::npos) << logs[0];
  EXPECT_NE(logs[1].find("readable again"), std::string::npos) << logs[1];
}

class DrainTest : public ::testing::Test {
 protected:
  DrainResult Drain(std::deque<absl::StatusOr<int64_t>> committed,
                    std::deque<absl::StatusOr<int64_t>> high, absl::Duration timeout) {
    ScriptedSource committed_source(std::move(committed));
    ScriptedSource high_source(std::move(high));
    LagSampler sampler({}, committed_source, high_source, LagTracker(0, 0), clock_,
                       [](std::string) {});
    return sampler.Drain(timeout, [&](absl::Duration, const LagSample&) { ++samples_; });
  }

  client::testing::FakeClock clock_{kT0};
  int samples_ = 0;
};

TEST_F(DrainTest, EndsAtTheFirstFreshZero) {
  // Lag 0 but stale (PostgreSQL unreadable), then 7, then a fresh 0.
  const DrainResult result =
      Drain({absl::UnavailableError("pg down"), 10, 10}, {0, 17, 10}, absl::Minutes(4));
  EXPECT_TRUE(result.drained);
  EXPECT_EQ(samples_, 3);
  EXPECT_EQ(result.ended, kT0 + absl::Seconds(1));
  EXPECT_EQ(result.last.lag, 0);
}

TEST_F(DrainTest, GivesUpAtTheTimeout) {
  const DrainResult result = Drain({0}, {40}, absl::Seconds(10));
  EXPECT_FALSE(result.drained);
  EXPECT_EQ(result.last.lag, 40);
  EXPECT_EQ(clock_.waits().size(), 20u);
}

TEST_F(DrainTest, ZeroTimeoutSamplesOnce) {
  const DrainResult result = Drain({0}, {40}, absl::ZeroDuration());
  EXPECT_FALSE(result.drained);
  EXPECT_EQ(samples_, 1);
  EXPECT_TRUE(clock_.waits().empty());
}

}  // namespace
}  // namespace ingest::chaos
