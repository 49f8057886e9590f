#include "services/broker_proxy/delivery_tracker.h"

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "services/broker_proxy/fake_producer.h"

namespace ingest {
namespace {

const absl::Time kFarAway = absl::InfiniteFuture();

TEST(DeliveryTrackerTest, RemembersWhereTheFirstAndLastRecordLanded) {
  FakeProducer producer;
  producer.SetNextOffset("t", 2, 40);
  DeliveryTracker tracker(producer, /*max_in_flight_bytes=*/1 << 20);

  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(tracker.Produce("t", 2, "k", "v", {{"h", "1"}}, kFarAway).ok());
  }

  EXPECT_TRUE(tracker.Wait(kFarAway).ok());
  EXPECT_EQ(tracker.delivered(), 3);
  EXPECT_EQ(tracker.first().offset, 40);
  EXPECT_EQ(tracker.last().offset, 42);
  ASSERT_EQ(producer.records().size(), 3u);
  EXPECT_EQ(producer.records()[0].partition, 2);
  EXPECT_EQ(producer.records()[0].Header("h"), "1");
}

TEST(DeliveryTrackerTest, StopsAtTheFirstFailedDelivery) {
  FakeProducer producer;
  producer.FailDeliveriesFrom(1, absl::UnavailableError("broker gone"));
  DeliveryTracker tracker(producer, 1 << 20);

  ASSERT_TRUE(tracker.Produce("t", 0, "k", "v", {}, kFarAway).ok());
  ASSERT_TRUE(tracker.Produce("t", 0, "k", "v", {}, kFarAway).ok());
  EXPECT_EQ(tracker.Produce("t", 0, "k", "v", {}, kFarAway).code(),
            absl::StatusCode::kUnavailable);

  EXPECT_EQ(tracker.Wait(kFarAway).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(tracker.delivered(), 1);
  EXPECT_EQ(producer.records().size(), 2u);
}

TEST(DeliveryTrackerTest, ARefusedRecordIsNotInFlight) {
  FakeProducer producer;
  producer.Refuse(absl::ResourceExhaustedError("queue full"));
  DeliveryTracker tracker(producer, 1 << 20);

  EXPECT_EQ(tracker.Produce("t", 0, "k", "v", {}, kFarAway).code(),
            absl::StatusCode::kResourceExhausted);

  EXPECT_TRUE(tracker.Wait(absl::Now()).ok());
  EXPECT_EQ(tracker.delivered(), 0);
}

}  // namespace
}  // namespace ingest
