#include "services/gateway/limits/peer_rate_limiter.h"

#include "gtest/gtest.h"

namespace ingest {
namespace {

class PeerRateLimiterTest : public ::testing::Test {
 protected:
  absl::Time now_ = absl::FromUnixSeconds(1'000'000);
};

TEST_F(PeerRateLimiterTest, AllowsTheBurstThenTheRatePerPeer) {
  PeerRateLimiter limiter({.calls_per_second = 10, .burst_calls = 3}, [this] { return now_; });
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.TryTake("10.0.0.1"), absl::ZeroDuration());
  EXPECT_EQ(limiter.TryTake("10.0.0.1"), absl::Milliseconds(100));
  EXPECT_EQ(limiter.TryTake("10.0.0.2"), absl::ZeroDuration()) << "another peer has its own";
  now_ += absl::Milliseconds(100);
  EXPECT_EQ(limiter.TryTake("10.0.0.1"), absl::ZeroDuration());
  EXPECT_GT(limiter.TryTake("10.0.0.1"), absl::ZeroDuration());
}

TEST_F(PeerRateLimiterTest, TracksAtMostMaxPeersDroppingIdleOnesFirst) {
  PeerRateLimiter limiter({.calls_per_second = 1, .burst_calls = 2, .max_peers = 2},
                          [this] { return now_; });
  EXPECT_EQ(limiter.TryTake("a"), absl::ZeroDuration());
  EXPECT_EQ(limiter.TryTake("a"), absl::ZeroDuration());
  EXPECT_EQ(limiter.TryTake("b"), absl::ZeroDuration());
  // Full, nobody idle: a new peer goes through untracked.
  EXPECT_EQ(limiter.TryTake("c"), absl::ZeroDuration());
  EXPECT_EQ(limiter.tracked_peers(), 2u);
  EXPECT_GT(limiter.TryTake("a"), absl::ZeroDuration()) << "a is still limited";
  // After 1 s b is full again (idle) and a is not (1 of 2 tokens).
  now_ += absl::Seconds(1);
  EXPECT_EQ(limiter.TryTake("c"), absl::ZeroDuration());
  EXPECT_EQ(limiter.tracked_peers(), 2u);  // b dropped, c tracked
  // a kept its bucket: one token, not a fresh burst of two.
  EXPECT_EQ(limiter.TryTake("a"), absl::ZeroDuration());
  EXPECT_GT(limiter.TryTake("a"), absl::ZeroDuration());
}

}  // namespace
}  // namespace ingest
