// The librdkafka producer and consumer against librdkafka's mock cluster.

#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/kafka/rdkafka_consumer.h"
#include "services/common/kafka/rdkafka_producer.h"
#include "services/common/kafka/testing/mock_cluster.h"

namespace ingest {
namespace {

constexpr char kTopic[] = "test.tasks";

// Collects delivery reports; Wait() blocks until `expected` have arrived.
class DeliveryLog {
 public:
  DeliveryCallback Callback() {
    return [this](absl::StatusOr<RecordPosition> result) {
      absl::MutexLock lock(&mutex_);
      results_.push_back(std::move(result));
    };
  }
  std::vector<absl::StatusOr<RecordPosition>> Wait(size_t expected, absl::Duration timeout) {
    absl::MutexLock lock(&mutex_);
    auto done = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) { return results_.size() >= expected; };
    mutex_.AwaitWithTimeout(absl::Condition(&done), timeout);
    return results_;
  }

 private:
  absl::Mutex mutex_;
  std::vector<absl::StatusOr<RecordPosition>> results_ ABSL_GUARDED_BY(mutex_);
};

// Records assignments and starts every partition at a fixed offset.
class FixedStartListener : public RebalanceListener {
 public:
  explicit FixedStartListener(int64_t start) : start_(start) {}
  PartitionOffsets OnPartitionsAssigned(const std::vector<int32_t>& partitions) override {
    PartitionOffsets offsets;
    for (int32_t partition : partitions) offsets[partition] = start_;
    assigned_.insert(assigned_.end(), partitions.begin(), partitions.end());
    return offsets;
  }
  void OnPartitionsRevoked(const std::vector<int32_t>&) override {}
  const std::vector<int32_t>& assigned() const { return assigned_; }

 private:
  int64_t start_;
  std::vector<int32_t> assigned_;
};

std::unique_ptr<MockKafkaCluster> StartCluster(int partitions) {
  auto cluster = MockKafkaCluster::Start(1, {{kTopic, partitions, 1, {}}});
  EXPECT_TRUE(cluster.ok()) << cluster.status();
  return std::move(cluster).value();
}

std::vector<ConsumedRecord> ConsumeUntil(Consumer& consumer, size_t count, absl::Duration timeout) {
  std::vector<ConsumedRecord> records;
  const absl::Time deadline = absl::Now() + timeout;
  while (records.size() < count && absl::Now() < deadline) {
    if (auto record = consumer.Poll(absl::Milliseconds(100))) records.push_back(*record);
  }
  return records;
}

TEST(RdKafkaTest, AcknowledgedRecordsOfOneKeyComeBackInOrderWithTheirPositions) {
  auto cluster = StartCluster(4);
  auto producer = CreateRdKafkaProducer({.bootstrap_servers = cluster->bootstrap_servers()});
  ASSERT_TRUE(producer.ok()) << producer.status();

  DeliveryLog deliveries;
  constexpr int kRecords = 50;
  for (int i = 0; i < kRecords; ++i) {
    ASSERT_TRUE((*producer)->Produce(kTopic, "session-a", "value-" + std::to_string(i),
                                     deliveries.Callback()).ok());
  }
  auto results = deliveries.Wait(kRecords, absl::Seconds(20));
  ASSERT_EQ(results.size(), kRecords);
  for (int i = 0; i < kRecords; ++i) {
    ASSERT_TRUE(results[i].ok()) << results[i].status();
    EXPECT_EQ(results[i]->partition, results[0]->partition) << "one key, one partition";
    EXPECT_EQ(results[i]->offset, results[0]->offset + i);
  }

  auto consumer = CreateRdKafkaConsumer({.bootstrap_servers = cluster->bootstrap_servers(),
                                         .topic = kTopic,
                                         .group_id = "order-test",
                                         .session_timeout = absl::Seconds(6),
                                         .heartbeat_interval = absl::Seconds(1)});
  ASSERT_TRUE(consumer.ok()) << consumer.status();
  FixedStartListener listener(0);
  ASSERT_TRUE((*consumer)->Subscribe(&listener).ok());
  auto records = ConsumeUntil(**consumer, kRecords, absl::Seconds(30));
  ASSERT_EQ(records.size(), kRecords);
  for (int i = 0; i < kRecords; ++i) {
    EXPECT_EQ(records[i].key, "session-a");
    EXPECT_EQ(records[i].value, "value-" + std::to_string(i));
    EXPECT_EQ(records[i].partition, results[0]->partition);
  }
  EXPECT_THAT(listener.assigned(), ::testing::UnorderedElementsAre(0, 1, 2, 3));
  (*consumer)->Close();
}

TEST(RdKafkaTest, ProduceToPartitionLandsInThatPartitionWhateverTheKey) {
  auto cluster = StartCluster(4);
  auto producer = CreateRdKafkaProducer({.bootstrap_servers = cluster->bootstrap_servers()});
  ASSERT_TRUE(producer.ok()) << producer.status();

  // One key to two partitions, one batch each: deliveries of a batch report
  // in order.
  constexpr int kRecords = 6;
  for (int32_t partition : {3, 1}) {
    SCOPED_TRACE(partition);
    DeliveryLog deliveries;
    for (int i = 0; i < kRecords; ++i) {
      ASSERT_TRUE((*producer)
                      ->ProduceToPartition(kTopic, partition, "same-key",
                                           "value-" + std::to_string(i),
                                           {{"redrive.id", "rd-1"}}, deliveries.Callback())
                      .ok());
    }
    auto results = deliveries.Wait(kRecords, absl::Seconds(20));
    ASSERT_EQ(results.size(), kRecords);
    for (int i = 0; i < kRecords; ++i) {
      ASSERT_TRUE(results[i].ok()) << results[i].status();
      EXPECT_EQ(results[i]->partition, partition);
      EXPECT_EQ(results[i]->offset, i);
    }
  }
  EXPECT_EQ((*producer)
                ->ProduceToPartition(kTopic, -1, "k", "v", {},
                                     [](absl::StatusOr<RecordPosition>) {})
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(RdKafkaTest, ConsumerStartsAtTheOffsetTheListenerReturns) {
  auto cluster = StartCluster(1);
  auto producer = CreateRdKafkaProducer({.bootstrap_servers = cluster->bootstrap_servers()});
  ASSERT_TRUE(producer.ok());
  DeliveryLog deliveries;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE((*producer)->Produce(kTopic, "k", std::to_string(i), deliveries.Callback()).ok());
  }
  ASSERT_EQ(deliveries.Wait(10, absl::Seconds(20)).size(), 10);

  auto consumer = CreateRdKafkaConsumer({.bootstrap_servers = cluster->bootstrap_servers(),
                                         .topic = kTopic,
                                         .group_id = "resume-test",
                                         .session_timeout = absl::Seconds(6),
                                         .heartbeat_interval = absl::Seconds(1)});
  ASSERT_TRUE(consumer.ok());
  FixedStartListener listener(7);
  ASSERT_TRUE((*consumer)->Subscribe(&listener).ok());
  auto records = ConsumeUntil(**consumer, 3, absl::Seconds(30));
  ASSERT_EQ(records.size(), 3);
  EXPECT_EQ(records[0].offset, 7);
  EXPECT_EQ(records[0].value, "7");
  EXPECT_EQ(records[2].value, "9");
  (*consumer)->Close();
}

TEST(RdKafkaTest, UnreachableBrokerFailsDeliveryAsUnavailableWithinTheTimeout) {
  auto cluster = StartCluster(1);
  rd_kafka_mock_broker_set_down(cluster->handle(), 1);
  auto producer = CreateRdKafkaProducer({.bootstrap_servers = cluster->bootstrap_servers(),
                                         .delivery_timeout = absl::Seconds(2)});
  ASSERT_TRUE(producer.ok());
  DeliveryLog deliveries;
  const absl::Time start = absl::Now();
  ASSERT_TRUE((*producer)->Produce(kTopic, "k", "v", deliveries.Callback()).ok());
  auto results = deliveries.Wait(1, absl::Seconds(15));
  ASSERT_EQ(results.size(), 1);
  EXPECT_EQ(results[0].status().code(), absl::StatusCode::kUnavailable) << results[0].status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(10)) << "the delivery timeout bounds the wait";
}

}  // namespace
}  // namespace ingest
