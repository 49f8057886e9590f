#include "tools/chaos/drain.h"

#include <deque>

#include "gtest/gtest.h"
#include "tools/loadgen/fake_clock.h"

namespace ingest::chaos {
namespace {

TEST(WaitForDrainTest, EndsAtTheFirstFreshZero) {
  loadgen::FakeClock clock;
  const absl::Time begin = clock.Now();
  std::deque<LagSample> samples = {
      {.at = begin - absl::Seconds(1), .lag = 0},         // from before the wait
      {.at = begin + absl::Seconds(1), .lag = 0, .stale = true},  // a side unreadable
      {.at = begin + absl::Seconds(2), .lag = 7},
      {.at = begin + absl::Seconds(3), .lag = 0},
  };
  int polls = 0;
  const DrainResult result = WaitForDrain(
      [&] {
        LagSample next = samples.front();
        samples.pop_front();
        return std::optional<LagSample>(next);
      },
      clock, absl::Minutes(4), absl::Milliseconds(500),
      [&](absl::Duration, const std::optional<LagSample>&) { ++polls; });
  EXPECT_TRUE(result.drained);
  EXPECT_EQ(polls, 4);
  EXPECT_EQ(result.ended, begin + absl::Milliseconds(1500));
  EXPECT_EQ(result.last->lag, 0);
}

TEST(WaitForDrainTest, GivesUpAtTheTimeout) {
  loadgen::FakeClock clock;
  const DrainResult result = WaitForDrain(
      [&] { return std::optional<LagSample>(LagSample{.at = clock.Now(), .lag = 40}); },
      clock, absl::Seconds(10), absl::Milliseconds(500), nullptr);
  EXPECT_FALSE(result.drained);
  EXPECT_EQ(result.last->lag, 40);
  EXPECT_EQ(clock.sleeps().size(), 20u);
}

TEST(WaitForDrainTest, ZeroTimeoutLooksOnce) {
  loadgen::FakeClock clock;
  const DrainResult result =
      WaitForDrain([] { return std::optional<LagSample>(); }, clock, absl::ZeroDuration(),
                   absl::Milliseconds(500), nullptr);
  EXPECT_FALSE(result.drained);
  EXPECT_TRUE(clock.sleeps().empty());
}

}  // namespace
}  // namespace ingest::chaos
