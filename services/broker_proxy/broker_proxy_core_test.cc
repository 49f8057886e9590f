#include "services/broker_proxy/broker_proxy_core.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/broker_proxy/fake_kafka_admin.h"

namespace ingest {
namespace {

using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

const std::map<std::string, std::string> kSafeConfigs = {{"cleanup.policy", "delete"},
                                                         {"min.insync.replicas", "1"},
                                                         {"retention.ms", "604800000"},
                                                         {"max.message.bytes", "16777216"}};

class FakeDatabase final : public DatabaseOffsets {
 public:
  absl::StatusOr<std::map<int32_t, int64_t>> NextOffsets(const std::string&) override {
    if (!status.ok()) return status;
    return offsets;
  }
  std::map<int32_t, int64_t> offsets;
  absl::Status status;
};

class BrokerProxyCoreTest : public ::testing::Test {
 protected:
  FakeKafkaAdmin admin_;
  FakeDatabase database_;
  BrokerProxyCore core_{BrokerProxyCoreOptions{}, admin_, &database_};
};

TEST_F(BrokerProxyCoreTest, EnsureCreatesTheTopicAndItsDeadLetterTopicWithSafeConfigs) {
  v1::EnsureTopicsRequest request;
  request.mutable_topic()->set_name("ingest.tasks");
  request.mutable_topic()->set_partitions(4);

  auto response = core_.EnsureTopics(request);

  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(response->topics_size(), 2);
  EXPECT_EQ(response->topics(0).name(), "ingest.tasks");
  EXPECT_EQ(response->topics(1).name(), "ingest.tasks.dlq");
  for (const auto& outcome : response->topics()) {
    EXPECT_EQ(outcome.action(), v1::TopicOutcome::CREATED);
    EXPECT_EQ(outcome.description().partitions_size(), 4);
    EXPECT_EQ(outcome.description().unsafe_size(), 0);
  }
  absl::MutexLock lock(&admin_.mutex_);
  ASSERT_EQ(admin_.created_.size(), 2u);
  for (const TopicSpec& spec : admin_.created_) {
    EXPECT_EQ(spec.partitions, 4);
    EXPECT_EQ(spec.replication_factor, 1);
    EXPECT_THAT(spec.configs, UnorderedElementsAre(Pair("cleanup.policy", "delete"),
                                                   Pair("min.insync.replicas", "1"),
                                                   Pair("retention.ms", "604800000"),
                                                   Pair("max.message.bytes", "16777216")));
  }
}

TEST_F(BrokerProxyCoreTest, ANewTopicWhoseLeadersAreNotElectedYetIsDescribedOnceTheyAre) {
  {
    absl::MutexLock lock(&admin_.mutex_);
    admin_.watermark_failures_ = 3;  // NOT_LEADER_FOR_PARTITION right after CreateTopics
  }
  auto response = core_.EnsureTopics({});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->topics(0).action(), v1::TopicOutcome::CREATED);
  EXPECT_EQ(response->topics(0).description().partitions_size(), 8);
}

TEST(BrokerProxyCoreSettleTest, ANewTopicThatNeverSettlesIsUnavailableNamingWhatWasCreated) {
  FakeKafkaAdmin admin;
  {
    absl::MutexLock lock(&admin.mutex_);
    admin.watermark_failures_ = 1000;
  }
  BrokerProxyCoreOptions options;
  options.new_topic_settle = absl::Milliseconds(300);
  BrokerProxyCore core(options, admin, nullptr);
  auto response = core.EnsureTopics({});
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(response.status().message(), HasSubstr("ingest.tasks created, but describing it failed"));
}

TEST_F(BrokerProxyCoreTest, EnsureOfSafeExistingTopicsChangesNothing) {
  admin_.AddTopic("ingest.tasks", 8, 1, kSafeConfigs);
  admin_.AddTopic("ingest.tasks.dlq", 8, 1, kSafeConfigs);

  auto response = core_.EnsureTopics({});

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->topics(0).action(), v1::TopicOutcome::ALREADY_SAFE);
  EXPECT_EQ(response->topics(1).action(), v1::TopicOutcome::ALREADY_SAFE);
  absl::MutexLock lock(&admin_.mutex_);
  EXPECT_TRUE(admin_.created_.empty());
}

TEST_F(BrokerProxyCoreTest, AnExistingCompactedTopicIsRefusedWithTheFindingAndNothingCreated) {
  auto compacted = kSafeConfigs;
  compacted["cleanup.policy"] = "compact";
  admin_.AddTopic("ingest.tasks", 8, 1, compacted);

  auto response = core_.EnsureTopics({});

  EXPECT_EQ(response.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(response.status().message(), HasSubstr("ingest.tasks exists with unsafe settings"));
  EXPECT_THAT(response.status().message(), HasSubstr("cleanup.policy=delete"));
  EXPECT_THAT(response.status().message(), HasSubstr("Nothing was changed"));
  absl::MutexLock lock(&admin_.mutex_);
  EXPECT_TRUE(admin_.created_.empty()) << "the DLQ is not created either";
}

TEST_F(BrokerProxyCoreTest, UnsafeRequestedSettingsAreRefusedAndForceOnlyCoversMinIsrOne) {
  v1::EnsureTopicsRequest request;
  request.mutable_topic()->set_replication_factor(3);
  request.mutable_topic()->set_min_insync_replicas(1);
  auto refused = core_.EnsureTopics(request);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("min.insync.replicas>=2"));

  request.set_force(true);
  EXPECT_TRUE(core_.EnsureTopics(request).ok());

  request.mutable_topic()->set_name("other");
  request.mutable_topic()->set_retention_ms(1000);
  auto short_retention = core_.EnsureTopics(request);
  EXPECT_EQ(short_retention.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(short_retention.status().message(), HasSubstr("retention.ms"));
}

TEST_F(BrokerProxyCoreTest, BadNamesAndValuesAreInvalidArguments) {
  v1::EnsureTopicsRequest request;
  request.mutable_topic()->set_name("bad name!");
  EXPECT_EQ(core_.EnsureTopics(request).status().code(), absl::StatusCode::kInvalidArgument);
  request.mutable_topic()->set_name("ingest.tasks.dlq");
  EXPECT_EQ(core_.EnsureTopics(request).status().code(), absl::StatusCode::kInvalidArgument);
  request.mutable_topic()->set_name("t");
  request.mutable_topic()->set_partitions(-1);
  EXPECT_EQ(core_.EnsureTopics(request).status().code(), absl::StatusCode::kInvalidArgument);
  v1::DescribeTopicRequest describe;
  describe.set_name(std::string(300, 'a'));
  EXPECT_EQ(core_.DescribeTopic(describe).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(BrokerProxyCoreTest, DescribeFlagsUnsafeSettingsAndUnderReplicatedPartitions) {
  auto configs = kSafeConfigs;
  configs["min.insync.replicas"] = "3";
  admin_.AddTopic("ingest.tasks", 2, 3, configs);
  admin_.topic("ingest.tasks").partitions[1].in_sync = {1, 2};

  auto response = core_.DescribeTopic({});

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->topic().replication_factor(), 3);
  EXPECT_EQ(response->topic().under_replicated_partitions(), 1);
  EXPECT_EQ(response->topic().size_bytes(), -1);
  ASSERT_EQ(response->topic().unsafe_size(), 1);
  EXPECT_EQ(response->topic().unsafe(0).rule(), "min.insync.replicas<replication.factor");
  EXPECT_EQ(response->topic().configs().at("cleanup.policy"), "delete");
}

TEST_F(BrokerProxyCoreTest, DescribeOfAMissingTopicIsNotFound) {
  v1::DescribeTopicRequest request;
  request.set_name("nope");
  auto response = core_.DescribeTopic(request);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(response.status().message(), HasSubstr("EnsureTopics"));
}

TEST_F(BrokerProxyCoreTest, LagCountsFromTheDatabaseOffsetTheWorkerResumesFrom) {
  admin_.AddTopic("ingest.tasks", 3, 1, kSafeConfigs);
  auto& marks = admin_.topic("ingest.tasks").watermarks;
  marks[0] = {0, 0, 100};   // database at 90, Kafka's commit behind at 80
  marks[1] = {1, 10, 50};   // nothing stored: resumes at the low watermark
  marks[2] = {2, 0, 20};    // caught up
  const absl::Time now = absl::FromUnixSeconds(1'700'000'000);
  {
    absl::MutexLock lock(&admin_.mutex_);
    admin_.committed_ = {{0, 80}, {2, 20}};
    admin_.group_ = {.state = "Stable",
                     .members = {{.member_id = "m-1",
                                  .instance_id = "worker-0",
                                  .host = "/10.0.0.7",
                                  .assignment = {{"ingest.tasks", 0}, {"ingest.tasks", 2}}}}};
    admin_.timestamps_[{0, 90}] = now - absl::Seconds(42);
  }
  database_.offsets = {{0, 90}, {2, 20}};

  auto response = core_.GetConsumerLag({}, now);

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->group(), "ingest-workers");
  EXPECT_EQ(response->group_state(), "Stable");
  EXPECT_EQ(response->members(), 1);
  ASSERT_EQ(response->partitions_size(), 3);
  const v1::PartitionLag& p0 = response->partitions(0);
  EXPECT_EQ(p0.high_watermark(), 100);
  EXPECT_EQ(p0.kafka_committed_offset(), 80);
  EXPECT_EQ(p0.database_next_offset(), 90);
  EXPECT_EQ(p0.lag(), 10);
  EXPECT_DOUBLE_EQ(p0.oldest_unprocessed_age_seconds(), 42);
  EXPECT_EQ(p0.owner_member(), "m-1");
  EXPECT_EQ(p0.owner_instance(), "worker-0");
  EXPECT_EQ(p0.owner_host(), "/10.0.0.7");
  const v1::PartitionLag& p1 = response->partitions(1);
  EXPECT_EQ(p1.kafka_committed_offset(), -1);
  EXPECT_EQ(p1.database_next_offset(), -1);
  EXPECT_EQ(p1.lag(), 40);
  EXPECT_EQ(p1.oldest_unprocessed_age_seconds(), 0) << "its record did not arrive: unknown";
  EXPECT_EQ(p1.owner_member(), "");
  EXPECT_EQ(response->partitions(2).lag(), 0);
  EXPECT_EQ(response->total_lag(), 50);
}

TEST_F(BrokerProxyCoreTest, LagWithoutADatabaseUsesKafkasCommit) {
  admin_.AddTopic("ingest.tasks", 1, 1, kSafeConfigs);
  admin_.topic("ingest.tasks").watermarks[0] = {0, 0, 100};
  {
    absl::MutexLock lock(&admin_.mutex_);
    admin_.committed_ = {{0, 80}};
  }
  BrokerProxyCore without_database(BrokerProxyCoreOptions{}, admin_, nullptr);
  auto response = without_database.GetConsumerLag({}, absl::Now());
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->partitions(0).lag(), 20);
  EXPECT_EQ(response->partitions(0).database_next_offset(), -1);
}

TEST_F(BrokerProxyCoreTest, LagIsUnavailableWhenTheDatabaseDoesNotAnswer) {
  admin_.AddTopic("ingest.tasks", 1, 1, kSafeConfigs);
  database_.status = absl::UnavailableError("PostgreSQL: timeout");
  EXPECT_EQ(core_.GetConsumerLag({}, absl::Now()).status().code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace ingest
