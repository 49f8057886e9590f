#include "bench/e2e/rate_search.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ingest::bench_e2e {
namespace {

using ::testing::DoubleNear;
using ::testing::ElementsAre;
using ::testing::Optional;

// Runs the search with `bounded(fraction)` deciding each step; returns the
// fractions tried.
template <typename F>
std::vector<double> Tried(RateSearch& search, F bounded) {
  std::vector<double> tried;
  while (std::optional<double> next = search.Next()) {
    tried.push_back(*next);
    search.Record(bounded(*next));
  }
  return tried;
}

TEST(RateSearchTest, BisectsUntilTheBracketIsWithinFivePercent) {
  RateSearch search(20);
  // Sustains anything up to 0.8 x M.
  EXPECT_THAT(Tried(search, [](double f) { return f <= 0.8; }),
              ElementsAre(0.7, 1.0, 0.85, DoubleNear(0.775, 1e-9), DoubleNear(0.8125, 1e-9)));
  EXPECT_TRUE(search.converged());
  EXPECT_THAT(search.highest_bounded(), Optional(DoubleNear(0.775, 1e-9)));
  EXPECT_THAT(search.lowest_unbounded(), Optional(DoubleNear(0.8125, 1e-9)));
  EXPECT_LE(*search.lowest_unbounded(), *search.highest_bounded() * 1.05);
}

TEST(RateSearchTest, HalvesDownToABoundedRateThenBisects) {
  RateSearch search(20);
  const std::vector<double> tried = Tried(search, [](double f) { return f <= 0.3; });
  ASSERT_GE(tried.size(), 3u);
  EXPECT_EQ(tried[0], 0.7);
  EXPECT_EQ(tried[1], 0.35);
  EXPECT_EQ(tried[2], 0.175);
  EXPECT_TRUE(search.converged());
  EXPECT_LE(*search.highest_bounded(), 0.3);
  EXPECT_GT(*search.lowest_unbounded(), 0.3);
  EXPECT_GE(*search.highest_bounded(), 0.3 / 1.05);
}

TEST(RateSearchTest, TheResultIsWithinToleranceWhereverTheEdgeIs) {
  for (const double edge : {0.03, 0.12, 0.5, 0.69, 0.71, 0.99, 1.2, 1.49}) {
    RateSearch search(30);
    Tried(search, [edge](double f) { return f <= edge; });
    ASSERT_TRUE(search.converged()) << edge;
    EXPECT_LE(*search.highest_bounded(), edge) << edge;
    EXPECT_GT(*search.lowest_unbounded(), edge) << edge;
    EXPECT_LE(*search.lowest_unbounded(), *search.highest_bounded() * 1.05) << edge;
    EXPECT_LE(search.steps(), 10) << edge;
  }
}

TEST(RateSearchTest, StopsAtTheTopWhenEverythingIsBounded) {
  RateSearch search(20);
  EXPECT_THAT(Tried(search, [](double) { return true; }), ElementsAre(0.7, 1.0, 1.5));
  EXPECT_THAT(search.highest_bounded(), Optional(1.5));
  EXPECT_EQ(search.lowest_unbounded(), std::nullopt);
  EXPECT_FALSE(search.converged());
}

TEST(RateSearchTest, StopsAtTheBottomWhenNothingIsBounded) {
  RateSearch search(100);
  EXPECT_THAT(Tried(search, [](double) { return false; }),
              ElementsAre(0.7, 0.35, 0.175, 0.0875, 0.04375, 0.021875));
  EXPECT_EQ(search.highest_bounded(), std::nullopt);
  EXPECT_FALSE(search.converged());
}

TEST(RateSearchTest, StopsAfterMaxSteps) {
  RateSearch quick(2);
  EXPECT_THAT(Tried(quick, [](double f) { return f <= 0.8; }), ElementsAre(0.7, 1.0));
  EXPECT_EQ(quick.steps(), 2);
  EXPECT_FALSE(quick.converged());
}

TEST(RateSearchTest, NoStepsWithoutABudget) {
  RateSearch search(0);
  EXPECT_EQ(search.Next(), std::nullopt);
}

}  // namespace
}  // namespace ingest::bench_e2e
