#include "tools/chaos/kafka_watermarks.h"

#include <atomic>
#include <map>
#include <string>

#include "gtest/gtest.h"
#include "services/common/kafka/rdkafka_producer.h"
#include "services/common/kafka/testing/mock_cluster.h"

namespace ingest::chaos {
namespace {

constexpr char kTopic[] = "ingest.tasks";

class KafkaWatermarksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = MockKafkaCluster::Start(1, {{.name = kTopic, .partitions = 4}});
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = *std::move(cluster);
  }

  // Produces `count` records spread over the partitions; all acknowledged.
  void Produce(int count) {
    auto producer = CreateRdKafkaProducer({.bootstrap_servers = cluster_->bootstrap_servers()});
    ASSERT_TRUE(producer.ok()) << producer.status();
    std::atomic<int> acknowledged{0};
    for (int i = 0; i < count; ++i) {
      ASSERT_TRUE((*producer)
                      ->Produce(kTopic, "session-" + std::to_string(i), "value",
                                [&](absl::StatusOr<RecordPosition> position) {
                                  if (position.ok()) ++acknowledged;
                                })
                      .ok());
    }
    ASSERT_TRUE((*producer)->Flush(absl::Seconds(30)).ok());
    ASSERT_EQ(acknowledged.load(), count);
  }

  std::unique_ptr<MockKafkaCluster> cluster_;
};

TEST_F(KafkaWatermarksTest, SumsTheHighWatermarksOfEveryPartition) {
  auto source = ConnectKafkaWatermarks(cluster_->bootstrap_servers(), kTopic, absl::Seconds(10),
                                       absl::Seconds(10));
  ASSERT_TRUE(source.ok()) << source.status();
  absl::StatusOr<int64_t> sum = (*source)->SumHighWatermarks();
  ASSERT_TRUE(sum.ok()) << sum.status();
  EXPECT_EQ(*sum, 0);

  Produce(25);
  sum = (*source)->SumHighWatermarks();
  ASSERT_TRUE(sum.ok()) << sum.status();
  EXPECT_EQ(*sum, 25);
}

TEST_F(KafkaWatermarksTest, ReadsEveryPartitionsHighWatermark) {
  auto source = ConnectKafkaWatermarks(cluster_->bootstrap_servers(), kTopic, absl::Seconds(10),
                                       absl::Seconds(10));
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ((*source)->partition_count(), 4);
  Produce(25);
  absl::StatusOr<std::map<int32_t, int64_t>> high = (*source)->ReadHighWatermarks();
  ASSERT_TRUE(high.ok()) << high.status();
  ASSERT_EQ(high->size(), 4u);
  int64_t sum = 0;
  for (const auto& [partition, offset] : *high) sum += offset;
  EXPECT_EQ(sum, 25);
}

TEST_F(KafkaWatermarksTest, ABrokerDownIsAnErrorNotAHang) {
  auto source = ConnectKafkaWatermarks(cluster_->bootstrap_servers(), kTopic, absl::Seconds(10),
                                       absl::Seconds(1));
  ASSERT_TRUE(source.ok()) << source.status();
  ASSERT_EQ(rd_kafka_mock_broker_set_down(cluster_->handle(), 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_FALSE((*source)->SumHighWatermarks().ok());
}

}  // namespace
}  // namespace ingest::chaos
