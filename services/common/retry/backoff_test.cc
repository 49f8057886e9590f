#include "services/common/retry/backoff.h"

#include "gtest/gtest.h"

namespace ingest {
namespace {

TEST(BackoffTest, DoublesFromInitialUpToTheCap) {
  const absl::Duration initial = absl::Milliseconds(100);
  const absl::Duration max = absl::Milliseconds(500);
  EXPECT_EQ(CappedExponentialBackoff(initial, max, 1), absl::Milliseconds(100));
  EXPECT_EQ(CappedExponentialBackoff(initial, max, 2), absl::Milliseconds(200));
  EXPECT_EQ(CappedExponentialBackoff(initial, max, 3), absl::Milliseconds(400));
  EXPECT_EQ(CappedExponentialBackoff(initial, max, 4), absl::Milliseconds(500));
  EXPECT_EQ(CappedExponentialBackoff(initial, max, 1000), absl::Milliseconds(500));
}

}  // namespace
}  // namespace ingest
