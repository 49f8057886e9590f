#include "services/common/logging/log_rate_limiter.h"

#include <optional>

#include "gtest/gtest.h"

namespace ingest {
namespace {

class LogRateLimiterTest : public ::testing::Test {
 protected:
  LogRateLimiter Limiter(int max_lines, absl::Duration window) {
    return LogRateLimiter({.max_lines = max_lines, .window = window}, [this] { return now_; });
  }
  absl::Time now_ = absl::FromUnixSeconds(1'000'000);
};

TEST_F(LogRateLimiterTest, AdmitsUpToTheLimitPerWindowThenReportsWhatItDropped) {
  LogRateLimiter limiter = Limiter(2, absl::Seconds(1));
  EXPECT_EQ(limiter.Admit("rate_limit"), std::optional<int64_t>(0));
  EXPECT_EQ(limiter.Admit("rate_limit"), std::optional<int64_t>(0));
  for (int i = 0; i < 7; ++i) EXPECT_EQ(limiter.Admit("rate_limit"), std::nullopt) << i;
  now_ += absl::Milliseconds(999);
  EXPECT_EQ(limiter.Admit("rate_limit"), std::nullopt);  // still the same window
  now_ += absl::Milliseconds(1);
  // A new window: the first line carries the 8 dropped ones, once.
  EXPECT_EQ(limiter.Admit("rate_limit"), std::optional<int64_t>(8));
  EXPECT_EQ(limiter.Admit("rate_limit"), std::optional<int64_t>(0));
  EXPECT_EQ(limiter.Admit("rate_limit"), std::nullopt);
}

TEST_F(LogRateLimiterTest, KeysHaveTheirOwnBudget) {
  LogRateLimiter limiter = Limiter(1, absl::Seconds(1));
  EXPECT_EQ(limiter.Admit("unauthenticated"), std::optional<int64_t>(0));
  EXPECT_EQ(limiter.Admit("unauthenticated"), std::nullopt);
  EXPECT_EQ(limiter.Admit("invalid_argument"), std::optional<int64_t>(0));
  EXPECT_EQ(limiter.Admit("invalid_argument"), std::nullopt);
  EXPECT_EQ(limiter.Admit("invalid_argument"), std::nullopt);
  now_ += absl::Seconds(5);
  EXPECT_EQ(limiter.Admit("invalid_argument"), std::optional<int64_t>(2));
  EXPECT_EQ(limiter.Admit("unauthenticated"), std::optional<int64_t>(1));
}

TEST_F(LogRateLimiterTest, AQuietKeyIsNeverHeldBack) {
  LogRateLimiter limiter = Limiter(1, absl::Seconds(1));
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(limiter.Admit("permission_denied"), std::optional<int64_t>(0)) << i;
    now_ += absl::Seconds(1);
  }
}

}  // namespace
}  // namespace ingest
