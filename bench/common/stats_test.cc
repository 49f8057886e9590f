#include "bench/common/stats.h"

#include <algorithm>
#include <vector>

#include "gtest/gtest.h"

namespace ingest::bench {
namespace {

std::vector<absl::Duration> Millis(int from, int to) {
  std::vector<absl::Duration> out;
  for (int i = from; i <= to; ++i) out.push_back(absl::Milliseconds(i));
  return out;
}

TEST(PercentileTest, EmptyIsZero) { EXPECT_EQ(Percentile({}, 50), absl::ZeroDuration()); }

TEST(PercentileTest, NearestRankOfOneToHundred) {
  const std::vector<absl::Duration> sorted = Millis(1, 100);
  EXPECT_EQ(Percentile(sorted, 50), absl::Milliseconds(50));
  EXPECT_EQ(Percentile(sorted, 99), absl::Milliseconds(99));
  EXPECT_EQ(Percentile(sorted, 100), absl::Milliseconds(100));
  EXPECT_EQ(Percentile(sorted, 0.5), absl::Milliseconds(1));
}

TEST(PercentileTest, RoundsTheRankUp) {
  const std::vector<absl::Duration> sorted = Millis(1, 10);
  // 99% of 10 samples is 9.9 -> the 10th sample.
  EXPECT_EQ(Percentile(sorted, 99), absl::Milliseconds(10));
  // 50% of 10 samples is exactly 5 -> the 5th.
  EXPECT_EQ(Percentile(sorted, 50), absl::Milliseconds(5));
  // 99.9% of 1000 is 999 despite 99.9 not being exact in binary.
  const std::vector<absl::Duration> thousand = Millis(1, 1000);
  EXPECT_EQ(Percentile(thousand, 99.9), absl::Milliseconds(999));
}

TEST(PercentileTest, SingleSampleIsEveryPercentile) {
  const std::vector<absl::Duration> one = {absl::Milliseconds(7)};
  EXPECT_EQ(Percentile(one, 1), absl::Milliseconds(7));
  EXPECT_EQ(Percentile(one, 99), absl::Milliseconds(7));
}

TEST(SummarizeTest, SortsBeforeTakingPercentiles) {
  std::vector<absl::Duration> samples = Millis(1, 200);
  std::reverse(samples.begin(), samples.end());
  const LatencySummary summary = Summarize(samples);
  EXPECT_EQ(summary.count, 200);
  EXPECT_EQ(summary.p50, absl::Milliseconds(100));
  EXPECT_EQ(summary.p99, absl::Milliseconds(198));
  EXPECT_EQ(summary.max, absl::Milliseconds(200));
}

TEST(SummarizeTest, EmptyHasZeroCount) {
  const LatencySummary summary = Summarize({});
  EXPECT_EQ(summary.count, 0);
  EXPECT_EQ(summary.p99, absl::ZeroDuration());
  EXPECT_TRUE(summary.cdf.empty());
}

TEST(SummarizeTest, CdfRunsFromMinimumToMaximumInOrder) {
  std::vector<absl::Duration> samples = Millis(1, 1000);
  std::reverse(samples.begin(), samples.end());
  const LatencySummary summary = Summarize(samples);
  ASSERT_EQ(summary.cdf.size(), 103u);
  EXPECT_EQ(summary.cdf.front().fraction, 0);
  EXPECT_EQ(summary.cdf.front().latency, absl::Milliseconds(1));
  EXPECT_EQ(summary.cdf[50].fraction, 0.5);
  EXPECT_EQ(summary.cdf[50].latency, absl::Milliseconds(500));
  EXPECT_EQ(summary.cdf[101].latency, absl::Milliseconds(999));  // 99.9 %
  EXPECT_EQ(summary.cdf.back().fraction, 1.0);
  EXPECT_EQ(summary.cdf.back().latency, absl::Milliseconds(1000));
  for (size_t i = 1; i < summary.cdf.size(); ++i) {
    EXPECT_GT(summary.cdf[i].fraction, summary.cdf[i - 1].fraction);
    EXPECT_GE(summary.cdf[i].latency, summary.cdf[i - 1].latency);
  }
}

}  // namespace
}  // namespace ingest::bench
