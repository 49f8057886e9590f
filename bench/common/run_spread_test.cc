#include "bench/common/run_spread.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace ingest::bench {
namespace {

TEST(RunSpreadTest, MedianAndRangeOfAnOddCount) {
  const RunSpread spread = SpreadOf(std::vector<double>{0.78, 0.71, 0.74});
  EXPECT_EQ(spread.runs, 3);
  EXPECT_DOUBLE_EQ(spread.median, 0.74);
  EXPECT_DOUBLE_EQ(spread.min, 0.71);
  EXPECT_DOUBLE_EQ(spread.max, 0.78);
  EXPECT_EQ(FormatRatioSpread(spread), "0.71-0.78");
}

TEST(RunSpreadTest, EvenCountAveragesTheMiddleTwo) {
  EXPECT_DOUBLE_EQ(SpreadOf(std::vector<double>{1, 4, 2, 3}).median, 2.5);
}

TEST(RunSpreadTest, OneRunIsItsOwnSpread) {
  const RunSpread spread = SpreadOf(std::vector<double>{0.5});
  EXPECT_EQ(spread.runs, 1);
  EXPECT_EQ(FormatRatioSpread(spread), "0.50-0.50");
}

TEST(RunSpreadTest, NonFiniteValuesAreLeftOut) {
  const RunSpread spread = SpreadOf(std::vector<double>{NAN, 2, INFINITY});
  EXPECT_EQ(spread.runs, 1);
  EXPECT_DOUBLE_EQ(spread.median, 2);
  EXPECT_EQ(SpreadOf(std::vector<double>{}).runs, 0);
}

TEST(RunSpreadTest, MedianIndexPointsAtTheMiddleRun) {
  EXPECT_EQ(MedianIndex(std::vector<double>{30, 10, 20}), 2);
  EXPECT_EQ(MedianIndex(std::vector<double>{5}), 0);
  EXPECT_EQ(MedianIndex(std::vector<double>{4, 1, 3, 2}), 3);  // lower middle: 2
  EXPECT_EQ(MedianIndex(std::vector<double>{}), -1);
}

}  // namespace
}  // namespace ingest::bench
