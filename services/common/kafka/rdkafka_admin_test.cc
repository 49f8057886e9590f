// RdKafkaAdmin against librdkafka's mock cluster, for the calls the mock
// answers in librdkafka 2.0 (metadata, ListOffsets, OffsetFetch, Fetch). It
// has no CreateTopics, DescribeConfigs or DescribeGroups: those are
// exercised against real Kafka (services/broker_proxy/README.md). (Asking
// the 2.0.2 mock for DescribeConfigs times out "waiting for controller";
// a test of DescribeGroups against it did not finish in 300 s: not
// investigated, left out.)

#include "services/common/kafka/rdkafka_admin.h"

#include <librdkafka/rdkafka.h>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/kafka/testing/mock_cluster.h"  // rdkafka_mock.h too

namespace ingest {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

constexpr absl::Duration kTimeout = absl::Seconds(10);

class RdKafkaAdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = MockKafkaCluster::Start(1, {{.name = "t", .partitions = 2, .replication_factor = 1}});
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = std::move(cluster).value();
    auto admin = CreateRdKafkaAdmin({cluster_->bootstrap_servers(), kTimeout});
    ASSERT_TRUE(admin.ok()) << admin.status();
    admin_ = std::move(admin).value();
  }

  // Produces `count` records to partition 0 of "t" stamped `timestamp_ms`,
  // +1 ms each.
  void Produce(int count, int64_t timestamp_ms) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char error[512];
    ASSERT_EQ(rd_kafka_conf_set(conf, "bootstrap.servers", cluster_->bootstrap_servers().c_str(),
                                error, sizeof(error)),
              RD_KAFKA_CONF_OK);
    rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error));
    ASSERT_NE(producer, nullptr) << error;
    for (int i = 0; i < count; ++i) {
      const std::string value = absl::StrCat("record-", i);
      ASSERT_EQ(rd_kafka_producev(producer, RD_KAFKA_V_TOPIC("t"), RD_KAFKA_V_PARTITION(0),
                                  RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                  RD_KAFKA_V_TIMESTAMP(timestamp_ms + i), RD_KAFKA_V_END),
                RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    ASSERT_EQ(rd_kafka_flush(producer, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(producer);
  }

  // Commits `offset` for partition 0 of "t" in `group`.
  void Commit(const std::string& group, int64_t offset) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char error[512];
    rd_kafka_conf_set(conf, "bootstrap.servers", cluster_->bootstrap_servers().c_str(), error,
                      sizeof(error));
    rd_kafka_conf_set(conf, "group.id", group.c_str(), error, sizeof(error));
    rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof(error));
    ASSERT_NE(consumer, nullptr) << error;
    rd_kafka_topic_partition_list_t* offsets = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(offsets, "t", 0)->offset = offset;
    EXPECT_EQ(rd_kafka_commit(consumer, offsets, /*async=*/0), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(offsets);
    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
  }

  std::unique_ptr<MockKafkaCluster> cluster_;
  std::unique_ptr<KafkaAdmin> admin_;
};

TEST_F(RdKafkaAdminTest, DescribesPartitions) {
  auto partitions = admin_->DescribePartitions("t");
  ASSERT_TRUE(partitions.ok()) << partitions.status();
  ASSERT_EQ(partitions->size(), 2u);
  EXPECT_EQ((*partitions)[1].partition, 1);
  EXPECT_THAT((*partitions)[1].replicas, ElementsAre(1));
  EXPECT_THAT((*partitions)[1].in_sync, ElementsAre(1));
}

TEST_F(RdKafkaAdminTest, WatermarksFollowProducedRecords) {
  Produce(3, 1'700'000'000'000);
  auto marks = admin_->QueryWatermarks("t", {0, 1});
  ASSERT_TRUE(marks.ok()) << marks.status();
  ASSERT_EQ(marks->size(), 2u);
  EXPECT_EQ((*marks)[0].low, 0);
  EXPECT_EQ((*marks)[0].high, 3);
  EXPECT_EQ((*marks)[1].high, 0);
}

// broker-proxy's lag and watermark RPCs during a broker outage: an error
// within the admin timeout, not a call that hangs until the broker returns.
TEST_F(RdKafkaAdminTest, WatermarksOfABrokerThatIsDownAreAnErrorNotAHang) {
  auto admin = CreateRdKafkaAdmin({cluster_->bootstrap_servers(), absl::Seconds(2)});
  ASSERT_TRUE(admin.ok()) << admin.status();
  ASSERT_TRUE((*admin)->QueryWatermarks("t", {0, 1}).ok());
  ASSERT_EQ(rd_kafka_mock_broker_set_down(cluster_->handle(), 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  const absl::Time start = absl::Now();
  EXPECT_FALSE((*admin)->QueryWatermarks("t", {0, 1}).ok());
  // Bounded by the timeout (per request, not per partition), with slack for a loaded machine.
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

TEST_F(RdKafkaAdminTest, CommittedOffsetsOfAGroupAndNoneElsewhere) {
  Produce(3, 1'700'000'000'000);
  Commit("workers", 2);
  auto offsets = admin_->CommittedOffsets("workers", "t", {0, 1});
  ASSERT_TRUE(offsets.ok()) << offsets.status();
  EXPECT_THAT(*offsets, ElementsAre(Pair(0, 2), Pair(1, -1)));
}

TEST_F(RdKafkaAdminTest, RecordTimestampsAtTheGivenOffsets) {
  Produce(3, 1'700'000'000'000);
  auto timestamps = admin_->RecordTimestamps("t", {{0, 1}});
  ASSERT_TRUE(timestamps.ok()) << timestamps.status();
  EXPECT_THAT(*timestamps, ElementsAre(Pair(0, absl::FromUnixMillis(1'700'000'000'001))));
}

}  // namespace
}  // namespace ingest
