#include "services/gateway/limits/rate_limiter.h"

#include "gtest/gtest.h"

namespace ingest {
namespace {

class RateLimiterTest : public ::testing::Test {
 protected:
  ProjectRateLimiter Limiter() {
    return ProjectRateLimiter({.bytes_per_second = 1000, .burst_bytes = 2000, .min_cost_bytes = 10},
                              [this] { return now_; });
  }
  absl::Time now_ = absl::FromUnixSeconds(1000);
};

TEST_F(RateLimiterTest, AllowsTheBurstThenRefusesWithTheWaitUntilRefilled) {
  ProjectRateLimiter limiter = Limiter();
  EXPECT_EQ(limiter.TryTake("p", 2000), absl::ZeroDuration());
  EXPECT_EQ(limiter.TryTake("p", 500), absl::Milliseconds(500));
  now_ += absl::Milliseconds(500);
  EXPECT_EQ(limiter.TryTake("p", 500), absl::ZeroDuration());
}

TEST_F(RateLimiterTest, ProjectsHaveSeparateBuckets) {
  ProjectRateLimiter limiter = Limiter();
  EXPECT_EQ(limiter.TryTake("a", 2000), absl::ZeroDuration());
  EXPECT_EQ(limiter.TryTake("b", 2000), absl::ZeroDuration());
  EXPECT_GT(limiter.TryTake("a", 1), absl::ZeroDuration());
}

TEST_F(RateLimiterTest, TinyCallsCostTheMinimum) {
  ProjectRateLimiter limiter = Limiter();
  for (int i = 0; i < 200; ++i) ASSERT_EQ(limiter.TryTake("p", 0), absl::ZeroDuration()) << i;
  EXPECT_GT(limiter.TryTake("p", 0), absl::ZeroDuration());
}

TEST_F(RateLimiterTest, OversizedCallPassesOnAFullBucketOnly) {
  ProjectRateLimiter limiter = Limiter();
  EXPECT_EQ(limiter.TryTake("p", 5000), absl::ZeroDuration());
  EXPECT_EQ(limiter.TryTake("p", 5000), absl::Seconds(5)) << "debt of 3000 + burst 2000";
}

}  // namespace
}  // namespace ingest
