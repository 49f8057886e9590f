// DescribePartitions against librdkafka's mock cluster. (The mock creates any
// topic it is asked about and has no CreateTopics in librdkafka 2.0, so
// EnsureTopic and the unknown-topic answer are exercised against real Kafka
// by ./dev up and ./dev chaos.)

#include "services/common/kafka/topic_admin.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/kafka/testing/mock_cluster.h"  // rdkafka_mock.h too

namespace ingest {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::SizeIs;

constexpr absl::Duration kTimeout = absl::Seconds(10);

TEST(DescribePartitionsTest, ListsLeaderReplicasAndInSyncReplicasOfEveryPartition) {
  auto cluster = MockKafkaCluster::Start(3, {{.name = "t", .partitions = 4, .replication_factor = 3}});
  ASSERT_TRUE(cluster.ok()) << cluster.status();

  auto partitions = DescribePartitions((*cluster)->bootstrap_servers(), "t", kTimeout);

  ASSERT_TRUE(partitions.ok()) << partitions.status();
  ASSERT_THAT(*partitions, SizeIs(4));
  for (int i = 0; i < 4; ++i) {
    const PartitionReplicas& p = (*partitions)[static_cast<size_t>(i)];
    EXPECT_EQ(p.partition, i);
    EXPECT_THAT(p.replicas, ElementsAre(1, 2, 3));
    EXPECT_THAT(p.in_sync, ElementsAre(1, 2, 3));
    EXPECT_THAT(p.replicas, Contains(p.leader));
  }
}

TEST(DescribePartitionsTest, FollowsALeaderChange) {
  auto cluster = MockKafkaCluster::Start(3, {{.name = "t", .partitions = 2, .replication_factor = 3}});
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  ASSERT_EQ(rd_kafka_mock_partition_set_leader((*cluster)->handle(), "t", 1, 3),
            RD_KAFKA_RESP_ERR_NO_ERROR);

  auto partitions = DescribePartitions((*cluster)->bootstrap_servers(), "t", kTimeout);

  ASSERT_TRUE(partitions.ok()) << partitions.status();
  EXPECT_EQ((*partitions)[1].leader, 3);
}

}  // namespace
}  // namespace ingest
