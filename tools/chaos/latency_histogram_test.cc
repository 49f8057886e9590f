#include "tools/chaos/latency_histogram.h"

#include <cmath>

#include "gtest/gtest.h"

namespace ingest::chaos {
namespace {

TEST(LatencyHistogramTest, EmptyHasZeroQuantiles) {
  const LatencyHistogram histogram;
  EXPECT_EQ(histogram.count(), 0);
  EXPECT_EQ(histogram.Quantile(0.99), absl::ZeroDuration());
}

TEST(LatencyHistogramTest, EveryValueIsWithinOnePointSixPercentOfItsBin) {
  for (int64_t micros : {0, 1, 31, 32, 33, 63, 64, 100, 999, 1000, 12345, 99999, 1000000,
                         10'000'000, 123'456'789}) {
    const double middle = LatencyHistogram::MiddleOf(LatencyHistogram::BinOf(micros));
    EXPECT_LE(std::abs(middle - static_cast<double>(micros)),
              std::max(0.5, 0.016 * static_cast<double>(micros)))
        << micros;
  }
}

TEST(LatencyHistogramTest, BinsAreMonotonicAndBounded) {
  int previous = 0;
  for (int64_t micros = 0; micros < (int64_t{1} << 30); micros = micros * 5 / 4 + 1) {
    const int bin = LatencyHistogram::BinOf(micros);
    EXPECT_GE(bin, previous);
    EXPECT_LT(bin, LatencyHistogram::kBins);
    previous = bin;
  }
  EXPECT_EQ(LatencyHistogram::BinOf(int64_t{1} << 40), LatencyHistogram::kBins - 1);
  EXPECT_EQ(LatencyHistogram::BinOf(-5), 0);
}

TEST(LatencyHistogramTest, QuantilesByNearestRank) {
  LatencyHistogram histogram;
  for (int ms = 1; ms <= 100; ++ms) histogram.Add(absl::Milliseconds(ms));
  EXPECT_EQ(histogram.count(), 100);
  // Rank 50 is 50 ms, rank 99 is 99 ms (not 100: 0.99 * 100 is exactly 99).
  EXPECT_NEAR(absl::ToDoubleMilliseconds(histogram.Quantile(0.50)), 50, 50 * 0.016);
  EXPECT_NEAR(absl::ToDoubleMilliseconds(histogram.Quantile(0.99)), 99, 99 * 0.016);
  EXPECT_NEAR(absl::ToDoubleMilliseconds(histogram.Quantile(1.0)), 100, 100 * 0.016);
}

TEST(LatencyHistogramTest, MergeAddsCounts) {
  LatencyHistogram fast;
  LatencyHistogram slow;
  for (int i = 0; i < 98; ++i) fast.Add(absl::Milliseconds(2));
  for (int i = 0; i < 2; ++i) slow.Add(absl::Seconds(3));
  fast.Merge(slow);
  EXPECT_EQ(fast.count(), 100);
  EXPECT_NEAR(absl::ToDoubleMilliseconds(fast.Quantile(0.98)), 2, 0.05);
  EXPECT_NEAR(absl::ToDoubleSeconds(fast.Quantile(0.99)), 3, 0.05);
}

}  // namespace
}  // namespace ingest::chaos
