#include "services/gateway/retry_pushback.h"

#include "gtest/gtest.h"

namespace ingest {
namespace {

// Rounded up: a client that waits exactly the pushback must not arrive
// before the bucket has refilled (rounded down, a stock gRPC retryPolicy
// came back up to 1 ms early, was refused again with a pushback of
// microseconds, and ran out of attempts: PipelineTest.
// StockGrpcRetryPolicyHonoursThePushback failed so in a fresh-clone run).
TEST(RetryPushbackValueTest, WholeMillisecondsRoundedUp) {
  EXPECT_EQ(RetryPushbackValue(absl::Milliseconds(250)), "250");
  EXPECT_EQ(RetryPushbackValue(absl::Microseconds(1999)), "2");
  EXPECT_EQ(RetryPushbackValue(absl::Microseconds(1001)), "2");
  EXPECT_EQ(RetryPushbackValue(absl::Seconds(3)), "3000");
}

TEST(RetryPushbackValueTest, NeverZero) {
  // gRFC A6 reads 0 as "retry at once"; a pushback always waits a little.
  EXPECT_EQ(RetryPushbackValue(absl::Microseconds(10)), "1");
}

}  // namespace
}  // namespace ingest
