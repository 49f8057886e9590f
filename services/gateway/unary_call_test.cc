#include "services/gateway/unary_call.h"

#include "gtest/gtest.h"

namespace ingest {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'000'000);

TEST(DeliveryWaitTest, NoDeadlineWaitsTheFullDeliveryTimeout) {
  EXPECT_EQ(DeliveryWait(kNow, absl::InfiniteFuture(), absl::Seconds(10)), absl::Seconds(10));
}

TEST(DeliveryWaitTest, LongDeadlineKeepsTheDeliveryTimeout) {
  EXPECT_EQ(DeliveryWait(kNow, kNow + absl::Seconds(60), absl::Seconds(10)), absl::Seconds(10));
}

TEST(DeliveryWaitTest, ShortDeadlineAnswersTenPercentBeforeIt) {
  EXPECT_EQ(DeliveryWait(kNow, kNow + absl::Seconds(2), absl::Seconds(10)),
            absl::Milliseconds(1800));
}

TEST(DeliveryWaitTest, TinyDeadlineKeepsAtLeastTwentyMillisecondsOfMargin) {
  EXPECT_EQ(DeliveryWait(kNow, kNow + absl::Milliseconds(100), absl::Seconds(10)),
            absl::Milliseconds(80));
  EXPECT_LE(DeliveryWait(kNow, kNow + absl::Milliseconds(15), absl::Seconds(10)),
            absl::ZeroDuration());
  EXPECT_LE(DeliveryWait(kNow, kNow - absl::Seconds(1), absl::Seconds(10)), absl::ZeroDuration());
}

}  // namespace
}  // namespace ingest
