#include "tools/bench_e2e/rate_search.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ingest::bench_e2e {
namespace {

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

TEST(RateSearchTest, ClimbsToTheTopWhileBounded) {
  RateSearch search(5);
  EXPECT_THAT(Tried(search, [](double) { return true; }), ElementsAre(0.7, 0.85, 1.0));
  EXPECT_THAT(search.highest_bounded(), Optional(1.0));
  EXPECT_EQ(search.lowest_unbounded(), std::nullopt);
}

TEST(RateSearchTest, StopsWhenBoundedAndUnboundedAreNeighbours) {
  RateSearch search(5);
  EXPECT_THAT(Tried(search, [](double f) { return f < 0.8; }), ElementsAre(0.7, 0.85));
  EXPECT_THAT(search.highest_bounded(), Optional(0.7));
  EXPECT_THAT(search.lowest_unbounded(), Optional(0.85));
}

TEST(RateSearchTest, DescendsUntilBounded) {
  RateSearch search(5);
  EXPECT_THAT(Tried(search, [](double f) { return f <= 0.35; }), ElementsAre(0.7, 0.5, 0.35));
  EXPECT_THAT(search.highest_bounded(), Optional(0.35));
  EXPECT_THAT(search.lowest_unbounded(), Optional(0.5));
  EXPECT_EQ(search.steps(), 3);
}

TEST(RateSearchTest, StopsAfterMaxSteps) {
  RateSearch search(5);
  EXPECT_THAT(Tried(search, [](double) { return false; }),
              ElementsAre(0.7, 0.5, 0.35, 0.25, 0.15));
  EXPECT_EQ(search.highest_bounded(), std::nullopt);
  EXPECT_THAT(search.lowest_unbounded(), Optional(0.15));

  RateSearch quick(2);
  EXPECT_THAT(Tried(quick, [](double) { return true; }), ElementsAre(0.7, 0.85));
}

TEST(RateSearchTest, StopsAtTheBottomOfTheLadder) {
  RateSearch search(100);
  EXPECT_THAT(Tried(search, [](double) { return false; }),
              ElementsAre(0.7, 0.5, 0.35, 0.25, 0.15, 0.1, 0.05));
}

TEST(RateSearchTest, NoStepsWithoutABudget) {
  RateSearch search(0);
  EXPECT_EQ(search.Next(), std::nullopt);
}

}  // namespace
}  // namespace ingest::bench_e2e
