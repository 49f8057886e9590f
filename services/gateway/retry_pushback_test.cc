#include "services/gateway/retry_pushback.h"

#include "gtest/gtest.h"

namespace ingest {
namespace {

TEST(RetryPushbackValueTest, WholeMillisecondsRoundedDown) {
  EXPECT_EQ(RetryPushbackValue(absl::Milliseconds(250)), "250");
  EXPECT_EQ(RetryPushbackValue(absl::Microseconds(1999)), "1");
  EXPECT_EQ(RetryPushbackValue(absl::Seconds(3)), "3000");
}

TEST(RetryPushbackValueTest, NeverZero) {
  // gRFC A6 reads 0 as "retry at once"; a pushback always waits a little.
  EXPECT_EQ(RetryPushbackValue(absl::Microseconds(10)), "1");
}

}  // namespace
}  // namespace ingest
