#include "services/broker_proxy/broker_proxy_core.h"

#include <tuple>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/broker_proxy/fake_dead_letter_source.h"
#include "services/broker_proxy/fake_kafka_admin.h"
#include "services/broker_proxy/fake_producer.h"
#include "services/broker_proxy/fake_quarantine_store.h"
#include "services/broker_proxy/fake_session_database.h"
#include "services/broker_proxy/session_page_token.h"
#include "services/common/codec/task_codec.h"
#include "services/common/kafka/dead_letter_headers.h"
#include "services/common/kafka/first_position.h"
#include "services/common/kafka/redrive_headers.h"

namespace ingest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
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
  absl::Status SetNextOffsets(const std::string&,
                              const std::map<int32_t, int64_t>& next) override {
    ++writes;
    if (!write_status.ok()) return write_status;
    for (const auto& [p, offset] : next) offsets[p] = offset;
    return absl::OkStatus();
  }
  std::map<int32_t, int64_t> offsets;
  absl::Status status;
  absl::Status write_status;
  int writes = 0;
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

TEST_F(BrokerProxyCoreTest, ANewTopicMissingFromTheMetadataAtFirstIsDescribedOnceItShows) {
  {
    absl::MutexLock lock(&admin_.mutex_);
    admin_.metadata_lag_ = 2;  // NOT_FOUND right after CreateTopics (seen on a real broker)
  }
  auto response = core_.EnsureTopics({});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->topics(1).action(), v1::TopicOutcome::CREATED);
  EXPECT_EQ(response->topics(1).description().partitions_size(), 8);
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

TEST_F(BrokerProxyCoreTest, AnExistingTopicWhoseConfigsCannotBeReadIsRefusedAndNothingCreated) {
  admin_.AddTopic("ingest.tasks", 8, 1, kSafeConfigs);
  {
    absl::MutexLock lock(&admin_.mutex_);
    admin_.describe_configs_error_ = absl::UnimplementedError("describe configs: not asked");
  }

  auto response = core_.EnsureTopics({});

  EXPECT_EQ(response.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(response.status().message(), HasSubstr("cannot check ingest.tasks"));
  absl::MutexLock lock(&admin_.mutex_);
  EXPECT_TRUE(admin_.created_.empty()) << "not even the missing DLQ";
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

// ---------------------------------------------------------------------------
// ListDeadLetters

constexpr char kDlq[] = "ingest.tasks.dlq";

std::string PayloadValue(const std::string& session, uint64_t payload_id) {
  v1::Task task;
  task.set_schema_version(kTaskSchemaVersion);
  task.set_type(v1::TASK_TYPE_PUSH_PAYLOAD);
  task.set_project_id("demo-project");
  task.set_session_id(session);
  task.set_payload_id(payload_id);
  task.set_chunk_index(0);
  task.set_chunk_count(1);
  task.mutable_payload();
  return EncodeTask(task);
}

TopicRecord Letter(int32_t partition, const std::string& session, const std::string& reason,
                   std::string value) {
  TopicRecord record;
  record.partition = partition;
  record.key = session;
  record.value = std::move(value);
  record.headers = {{dlq_headers::kReason, reason},
                    {dlq_headers::kDetail, "because " + reason},
                    {dlq_headers::kSourceTopic, "ingest.tasks"},
                    {dlq_headers::kSourcePartition, "5"},
                    {dlq_headers::kSourceOffset, "1234"},
                    {dlq_headers::kDeadLetteredAtMs, "1700000000123"},
                    {dlq_headers::kSessionId, session},
                    {dlq_headers::kProjectId, "demo-project"}};
  return record;
}

std::vector<std::string> Positions(const v1::ListDeadLettersResponse& response) {
  std::vector<std::string> out;
  for (const v1::DeadLetter& letter : response.letters()) {
    out.push_back(absl::StrCat(letter.dlq_partition(), "/", letter.dlq_offset()));
  }
  return out;
}

class ListDeadLettersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dlq_.AddTopic(kDlq, 2);
    // Partition 0: s1 invalid_record, s1 quarantined 3, s2 conflicting 1.
    // Partition 1: s3 invalid_record, s3 quarantined 3.
    dlq_.Add(kDlq, Letter(0, "p.s1", "invalid_record", "\xff\xff not a task"));
    dlq_.Add(kDlq, Letter(0, "p.s1", "quarantined_session", PayloadValue("p.s1", 3)));
    dlq_.Add(kDlq, Letter(0, "p.s2", "conflicting_duplicate", PayloadValue("p.s2", 1)));
    dlq_.Add(kDlq, Letter(1, "p.s3", "invalid_record", "junk"));
    dlq_.Add(kDlq, Letter(1, "p.s3", "quarantined_session", PayloadValue("p.s3", 3)));
  }

  absl::StatusOr<v1::ListDeadLettersResponse> List(v1::ListDeadLettersRequest request) {
    return core_.ListDeadLetters(request, absl::Now() + absl::Seconds(5));
  }

  FakeKafkaAdmin admin_;
  FakeDeadLetterSource dlq_;
  BrokerProxyCore core_{BrokerProxyCoreOptions{}, admin_, nullptr, &dlq_};
};

TEST_F(ListDeadLettersTest, DecodesEveryFieldOfALetter) {
  auto response = List({});

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(Positions(*response), ElementsAre("0/0", "1/0", "0/1", "1/1", "0/2"));
  EXPECT_TRUE(response->next_page_token().empty());
  const v1::DeadLetter& quarantined = response->letters(2);
  EXPECT_EQ(quarantined.session_id(), "p.s1");
  EXPECT_EQ(quarantined.reason(), "quarantined_session");
  EXPECT_EQ(quarantined.detail(), "because quarantined_session");
  EXPECT_EQ(quarantined.origin_partition(), 5);
  EXPECT_EQ(quarantined.origin_offset(), 1234);
  EXPECT_EQ(quarantined.dead_lettered_at_unix_ms(), 1700000000123);
  EXPECT_EQ(quarantined.payload_id(), 3u);
  EXPECT_EQ(quarantined.value_bytes(), static_cast<int64_t>(PayloadValue("p.s1", 3).size()));
  EXPECT_EQ(response->letters(0).payload_id(), 0u);  // not a Task
}

TEST_F(ListDeadLettersTest, MissingHeadersLeaveUnknownsAndTheKeyNamesTheSession) {
  TopicRecord bare;
  bare.partition = 1;
  bare.key = "p.s9";
  bare.value = "x";
  v1::DeadLetter letter = DeadLetterOf(bare);
  EXPECT_EQ(letter.session_id(), "p.s9");
  EXPECT_EQ(letter.reason(), "");
  EXPECT_EQ(letter.origin_partition(), -1);
  EXPECT_EQ(letter.origin_offset(), -1);
  EXPECT_EQ(letter.dead_lettered_at_unix_ms(), 0);
  EXPECT_EQ(letter.payload_id(), 0u);
  EXPECT_EQ(letter.value_bytes(), 1);
}

TEST_F(ListDeadLettersTest, FiltersBySessionAndReason) {
  v1::ListDeadLettersRequest by_session;
  by_session.set_session_id("p.s1");
  auto session = List(by_session);
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_THAT(Positions(*session), ElementsAre("0/0", "0/1"));

  v1::ListDeadLettersRequest by_reason;
  by_reason.set_reason("invalid_record");
  auto reason = List(by_reason);
  ASSERT_TRUE(reason.ok());
  EXPECT_THAT(Positions(*reason), ElementsAre("0/0", "1/0"));

  by_reason.set_session_id("p.s3");
  auto both = List(by_reason);
  ASSERT_TRUE(both.ok());
  EXPECT_THAT(Positions(*both), ElementsAre("1/0"));
}

TEST_F(ListDeadLettersTest, PagesResumeWhereThePreviousPageStopped) {
  v1::ListDeadLettersRequest request;
  request.set_limit(2);
  std::vector<std::string> seen;
  for (int page = 0; page < 10; ++page) {
    auto response = List(request);
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_LE(response->letters_size(), 2);
    for (const std::string& p : Positions(*response)) seen.push_back(p);
    if (response->next_page_token().empty()) break;
    request.set_page_token(response->next_page_token());
  }
  EXPECT_THAT(seen, ElementsAre("0/0", "1/0", "0/1", "1/1", "0/2"));
}

TEST_F(ListDeadLettersTest, PageTokensRoundTripAndOnlyTheirOwnAreAccepted) {
  const std::map<int32_t, int64_t> next = {{0, 17}, {3, 0}, {7, -2}};
  const std::string token = EncodeDeadLetterPageToken(kDlq, next);
  EXPECT_EQ(token.find_first_not_of(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
  auto decoded = DecodeDeadLetterPageToken(token, kDlq);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  // A partition not reached yet is left out: it starts from its log start.
  EXPECT_THAT(*decoded, ElementsAre(Pair(0, 17), Pair(3, 0)));

  EXPECT_EQ(DecodeDeadLetterPageToken(token, "other.dlq").status().code(),
            absl::StatusCode::kInvalidArgument);
  for (const std::string& bad : std::vector<std::string>{"!!!", "Zm9v", absl::WebSafeBase64Escape("dlq1|x|0:a"),
                                absl::WebSafeBase64Escape("dlq1|x|0:1,0:2"),
                                absl::WebSafeBase64Escape("dlq1|x|-1:3")}) {
    EXPECT_EQ(DecodeDeadLetterPageToken(bad, "x").status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
  v1::ListDeadLettersRequest request;
  request.set_page_token("garbage!");
  auto refused = List(request);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), HasSubstr("page_token"));
  EXPECT_EQ(dlq_.scans(), 0);
}

TEST_F(ListDeadLettersTest, LimitDefaultsTo100AndIsBounded) {
  for (int i = 0; i < 150; ++i) dlq_.Add(kDlq, Letter(0, "p.many", "invalid_record", "x"));
  auto response = List({});
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->letters_size(), kDefaultDeadLetterLimit);
  EXPECT_FALSE(response->next_page_token().empty());

  v1::ListDeadLettersRequest request;
  request.set_limit(kMaxDeadLetterLimit);
  auto most = List(request);
  ASSERT_TRUE(most.ok());
  EXPECT_EQ(most->letters_size(), 155);
  for (int32_t limit : {-1, kMaxDeadLetterLimit + 1}) {
    request.set_limit(limit);
    EXPECT_EQ(List(request).status().code(), absl::StatusCode::kInvalidArgument) << limit;
  }
}

TEST_F(ListDeadLettersTest, ADeadlineAnswersWhatWasReadWithAToken) {
  dlq_.CutAfter(3);
  auto first = List({});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_THAT(Positions(*first), ElementsAre("0/0", "1/0", "0/1"));
  ASSERT_FALSE(first->next_page_token().empty());

  dlq_.CutAfter(-1);
  v1::ListDeadLettersRequest rest;
  rest.set_page_token(first->next_page_token());
  auto second = List(rest);
  ASSERT_TRUE(second.ok());
  EXPECT_THAT(Positions(*second), UnorderedElementsAre("1/1", "0/2"));
  EXPECT_TRUE(second->next_page_token().empty());
}

TEST_F(ListDeadLettersTest, NothingReadBeforeTheDeadlineIsUnavailable) {
  dlq_.CutAfter(0);
  EXPECT_EQ(List({}).status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(ListDeadLettersTest, BadNamesAndMissingTopics) {
  v1::ListDeadLettersRequest request;
  request.set_topic("nope.dlq");
  EXPECT_EQ(List(request).status().code(), absl::StatusCode::kNotFound);
  request.set_topic("bad topic");
  EXPECT_EQ(List(request).status().code(), absl::StatusCode::kInvalidArgument);
  request.set_topic("");
  request.set_session_id("no spaces");
  EXPECT_EQ(List(request).status().code(), absl::StatusCode::kInvalidArgument);
  dlq_.Fail(absl::UnavailableError("no broker"));
  EXPECT_EQ(List({}).status().code(), absl::StatusCode::kUnavailable);
}

// ---------------------------------------------------------------------------
// GetSession

TEST(GetSessionTest, MapsTheFactsOfASession) {
  FakeKafkaAdmin admin;
  FakeSessionDatabase database;
  SessionFacts facts;
  facts.project_id = "demo-project";
  facts.has_rows = true;
  facts.quarantined = true;
  facts.quarantine_reason = "invalid_record";
  facts.redrive_id = "rd-1-00000000";
  facts.quarantined_at = absl::FromUnixMillis(1700000000500);
  facts.payloads = 3;
  facts.highest_payload_id = 6;
  facts.gaps = {{2, 3}, {5, 5}};
  facts.stored_bytes = 999;
  facts.first_received = absl::FromUnixMillis(1700000000000);
  facts.last_received = absl::FromUnixMillis(1700000000100);
  database.PutSession("p.q", facts);
  facts.quarantined = false;
  database.PutSession("p.a", facts);
  facts.has_rows = false;
  database.PutSession("p.u", facts);
  BrokerProxyCore core(BrokerProxyCoreOptions{}, admin, nullptr, nullptr, &database);

  v1::GetSessionRequest request;
  request.set_session_id("p.q");
  auto q = core.GetSession(request);
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->status(), "quarantined");
  EXPECT_EQ(q->quarantine_reason(), "invalid_record");
  EXPECT_EQ(q->redrive_id(), "rd-1-00000000");
  EXPECT_EQ(q->quarantined_at_unix_ms(), 1700000000500);
  EXPECT_EQ(q->project_id(), "demo-project");
  EXPECT_EQ(q->payloads(), 3);
  EXPECT_EQ(q->highest_payload_id(), 6u);
  ASSERT_EQ(q->gaps_size(), 2);
  EXPECT_EQ(q->gaps(0).from_payload_id(), 2u);
  EXPECT_EQ(q->gaps(0).to_payload_id(), 3u);
  EXPECT_EQ(q->stored_bytes(), 999);
  EXPECT_EQ(q->first_received_unix_ms(), 1700000000000);
  EXPECT_EQ(q->last_received_unix_ms(), 1700000000100);

  request.set_session_id("p.a");
  EXPECT_EQ(core.GetSession(request)->status(), "active");
  EXPECT_EQ(core.GetSession(request)->quarantined_at_unix_ms(), 0);
  request.set_session_id("p.u");
  EXPECT_EQ(core.GetSession(request)->status(), "unknown");

  request.set_session_id("p.never");
  auto missing = core.GetSession(request);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("never seen"));
  // With the quarantine store (the worker's database), an erased session
  // says so.
  FakeQuarantineStore quarantines;
  quarantines.Erase(
      "p.gone", SessionErasure{.erasure_id = 3, .erased_at = absl::FromUnixSeconds(1'800'000'000)});
  BrokerProxyCore with_erasures(BrokerProxyCoreOptions{}, admin, nullptr, nullptr, &database,
                                &quarantines);
  request.set_session_id("p.gone");
  auto erased = with_erasures.GetSession(request);
  EXPECT_EQ(erased.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(erased.status().message(),
              HasSubstr("session p.gone was erased (erasure 3 at 2027-01-15T08:00:00+00:00)"));
  request.set_session_id("p.never");
  EXPECT_THAT(with_erasures.GetSession(request).status().message(), HasSubstr("never seen"));
  for (const std::string& bad : std::vector<std::string>{"", "a b", "x/y", std::string(201, 'a')}) {
    request.set_session_id(bad);
    EXPECT_EQ(core.GetSession(request).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  database.Fail(absl::UnavailableError("down"));
  request.set_session_id("p.a");
  EXPECT_EQ(core.GetSession(request).status().code(), absl::StatusCode::kUnavailable);
}

TEST(GetSessionTest, MapsTheLifecycleSummaryAndPages) {
  FakeKafkaAdmin admin;
  FakeSessionDatabase database;
  SessionFacts facts;
  facts.project_id = "p";
  facts.has_rows = true;
  facts.lifecycle = "completed";
  facts.completed_at = absl::FromUnixMillis(1700000060000);
  facts.reopened_count = 2;
  facts.last_activity = absl::FromUnixMillis(1700000050000);
  facts.summary.set_payloads(4);
  facts.summary.set_clicks(17);
  facts.summary.set_landing_page("https://a.example/");
  facts.summary.add_events_by_type(1);
  facts.pages = {"https://a.example/", "https://a.example/cart"};
  facts.pages_truncated = true;
  database.PutSession("p.done", facts);
  BrokerProxyCore core(BrokerProxyCoreOptions{}, admin, nullptr, nullptr, &database);

  v1::GetSessionRequest request;
  request.set_session_id("p.done");
  auto done = core.GetSession(request);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->status(), "active");
  EXPECT_EQ(done->lifecycle(), "completed");
  EXPECT_EQ(done->completed_at_unix_ms(), 1700000060000);
  EXPECT_EQ(done->reopened_count(), 2);
  EXPECT_EQ(done->last_activity_unix_ms(), 1700000050000);
  EXPECT_EQ(done->summary().payloads(), 4u);
  EXPECT_EQ(done->summary().clicks(), 17u);
  EXPECT_EQ(done->summary().landing_page(), "https://a.example/");
  EXPECT_THAT(done->summary().events_by_type(), ElementsAre(1u));
  EXPECT_THAT(done->pages(), ElementsAre("https://a.example/", "https://a.example/cart"));
  EXPECT_TRUE(done->pages_truncated());

  // A session stored before summaries: no lifecycle, an empty (but
  // present) summary, no times.
  SessionFacts legacy;
  legacy.project_id = "p";
  legacy.has_rows = true;
  database.PutSession("p.old", legacy);
  request.set_session_id("p.old");
  auto old = core.GetSession(request);
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_EQ(old->lifecycle(), "");
  EXPECT_EQ(old->completed_at_unix_ms(), 0);
  EXPECT_EQ(old->last_activity_unix_ms(), 0);
  EXPECT_TRUE(old->has_summary());
  EXPECT_EQ(old->summary().ByteSizeLong(), 0u);
  EXPECT_THAT(old->pages(), IsEmpty());
  EXPECT_FALSE(old->pages_truncated());
}

// Retention: the expiry day as the database says it, and until about when
// Kafka holds the records, from the ingest topic's retention.ms.
TEST(GetSessionTest, SaysWhenTheRowsExpireAndUntilWhenKafkaHoldsTheRecords) {
  FakeKafkaAdmin admin;
  admin.AddTopic("ingest.tasks", 2, 1,
                 {{"cleanup.policy", "delete"}, {"retention.ms", "604800000"}});
  FakeSessionDatabase database;
  SessionFacts facts;
  facts.project_id = "p";
  facts.has_rows = true;
  facts.last_received = absl::FromUnixMillis(1700000000000);
  facts.expire_day = "2023-12-14";
  database.PutSession("p.dated", facts);
  facts.expire_day = "infinity";
  database.PutSession("p.legacy", facts);
  facts.expire_day = "";
  facts.last_received.reset();
  database.PutSession("p.unknown", facts);
  BrokerProxyCore core(BrokerProxyCoreOptions{}, admin, nullptr, nullptr, &database);

  v1::GetSessionRequest request;
  request.set_session_id("p.dated");
  auto dated = core.GetSession(request);
  ASSERT_TRUE(dated.ok()) << dated.status();
  EXPECT_EQ(dated->expire_day(), "2023-12-14");
  EXPECT_FALSE(dated->expires_by_age());
  EXPECT_EQ(dated->kafka_retention_ms(), 604800000);
  EXPECT_EQ(dated->kafka_records_until_unix_ms(), 1700000000000 + 604800000);

  request.set_session_id("p.legacy");
  auto legacy = core.GetSession(request);
  ASSERT_TRUE(legacy.ok()) << legacy.status();
  EXPECT_EQ(legacy->expire_day(), "");
  EXPECT_TRUE(legacy->expires_by_age());

  request.set_session_id("p.unknown");
  auto unknown = core.GetSession(request);
  ASSERT_TRUE(unknown.ok()) << unknown.status();
  EXPECT_EQ(unknown->expire_day(), "");
  EXPECT_FALSE(unknown->expires_by_age());
  EXPECT_EQ(unknown->kafka_retention_ms(), 604800000);
  EXPECT_EQ(unknown->kafka_records_until_unix_ms(), 0);  // nothing received

  // Three calls, one description: the retention is reused for a minute.
  absl::MutexLock lock(&admin.mutex_);
  EXPECT_EQ(admin.describe_configs_calls_, 1);
}

TEST(GetSessionTest, KafkaRetentionIsUnlimitedOrUnknownAndDescribedAgainOnceStale) {
  FakeKafkaAdmin admin;
  admin.AddTopic("ingest.tasks", 2, 1, {{"retention.ms", "-1"}});
  FakeSessionDatabase database;
  SessionFacts facts;
  facts.has_rows = true;
  facts.last_received = absl::FromUnixMillis(1700000000000);
  database.PutSession("p.s", facts);
  BrokerProxyCoreOptions options;
  options.topic_retention_ttl = absl::ZeroDuration();  // described on every call
  BrokerProxyCore core(options, admin, nullptr, nullptr, &database);
  v1::GetSessionRequest request;
  request.set_session_id("p.s");

  auto unlimited = core.GetSession(request);
  ASSERT_TRUE(unlimited.ok()) << unlimited.status();
  EXPECT_EQ(unlimited->kafka_retention_ms(), -1);
  EXPECT_EQ(unlimited->kafka_records_until_unix_ms(), 0);

  {
    absl::MutexLock lock(&admin.mutex_);
    admin.describe_configs_error_ = absl::UnimplementedError("describe configs: not asked");
  }
  auto unknown = core.GetSession(request);
  ASSERT_TRUE(unknown.ok()) << unknown.status();  // the session still answers
  EXPECT_EQ(unknown->kafka_retention_ms(), 0);
  EXPECT_EQ(unknown->kafka_records_until_unix_ms(), 0);
  absl::MutexLock lock(&admin.mutex_);
  EXPECT_EQ(admin.describe_configs_calls_, 2);
}

// ---------------------------------------------------------------------------
// ListSessions

// Seven sessions: s1..s5 of project "p" (s2, s3 and s4 created in the same
// microsecond), q1 of project "q", and a legacy one of "p".
class ListSessionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Add("p.s1", "p", "completed", 1000);
    Add("p.s2", "p", "live", 2000);
    Add("p.s3", "p", "completed", 2000);
    Add("p.s4", "p", "live", 2000);
    Add("p.s5", "p", "live", 3000);
    Add("q.q1", "q", "live", 2500);
    Add("p.legacy", "p", "", 500);
  }

  void Add(const std::string& id, const std::string& project, const std::string& lifecycle,
           int64_t created_ms) {
    SessionListEntry entry;
    entry.session_id = id;
    entry.project_id = project;
    entry.lifecycle = lifecycle;
    entry.created_at = absl::FromUnixMillis(1700000000000 + created_ms);
    if (!lifecycle.empty()) entry.last_activity = entry.created_at + absl::Seconds(30);
    if (lifecycle == "completed") entry.completed_at = entry.created_at + absl::Minutes(5);
    entry.payloads = 3;
    entry.length_ms = 252000;
    entry.active_ms = 61000;
    entry.clicks = 9;
    entry.rage_clicks = 1;
    entry.errors = 2;
    entry.landing_page = "https://a.example/";
    entry.exit_page = "https://a.example/bye";
    entry.pages_visited = 4;
    database_.AddListEntry(entry);
  }

  // Every page of `request` (following next_page_token), as session ids per page.
  std::vector<std::vector<std::string>> Pages(v1::ListSessionsRequest request) {
    std::vector<std::vector<std::string>> pages;
    for (int i = 0; i < 20; ++i) {
      auto page = core_.ListSessions(request);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      std::vector<std::string> ids;
      for (const v1::SessionListItem& item : page->sessions()) ids.push_back(item.session_id());
      pages.push_back(ids);
      if (page->next_page_token().empty()) break;
      request.set_page_token(page->next_page_token());
    }
    return pages;
  }

  FakeKafkaAdmin admin_;
  FakeSessionDatabase database_;
  BrokerProxyCore core_{BrokerProxyCoreOptions{}, admin_, nullptr, nullptr, &database_};
};

TEST_F(ListSessionsTest, NewestFirstWithTheDefaultLimit) {
  auto page = core_.ListSessions({});
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->sessions_size(), 7);
  EXPECT_EQ(page->next_page_token(), "");
  EXPECT_EQ(page->sessions(0).session_id(), "p.s5");
  EXPECT_EQ(page->sessions(1).session_id(), "q.q1");
  EXPECT_EQ(page->sessions(6).session_id(), "p.legacy");
  // The database is asked for one row more than the page holds.
  ASSERT_EQ(database_.list_queries().size(), 1u);
  EXPECT_EQ(database_.list_queries()[0].limit, kDefaultSessionListLimit + 1);
  EXPECT_FALSE(database_.list_queries()[0].after.has_value());

  const v1::SessionListItem& s3 = page->sessions(3);
  EXPECT_EQ(s3.session_id(), "p.s3");
  EXPECT_EQ(s3.project_id(), "p");
  EXPECT_EQ(s3.lifecycle(), "completed");
  EXPECT_EQ(s3.created_unix_ms(), 1700000002000);
  EXPECT_EQ(s3.last_activity_unix_ms(), 1700000032000);
  EXPECT_EQ(s3.completed_unix_ms(), 1700000302000);
  EXPECT_EQ(s3.payloads(), 3);
  EXPECT_EQ(s3.length_ms(), 252000);
  EXPECT_EQ(s3.active_ms(), 61000);
  EXPECT_EQ(s3.clicks(), 9);
  EXPECT_EQ(s3.rage_clicks(), 1);
  EXPECT_EQ(s3.errors(), 2);
  EXPECT_EQ(s3.landing_page(), "https://a.example/");
  EXPECT_EQ(s3.exit_page(), "https://a.example/bye");
  EXPECT_EQ(s3.pages_visited(), 4);
  const v1::SessionListItem& legacy = page->sessions(6);
  EXPECT_EQ(legacy.lifecycle(), "");
  EXPECT_EQ(legacy.last_activity_unix_ms(), 0);
  EXPECT_EQ(legacy.completed_unix_ms(), 0);
}

TEST_F(ListSessionsTest, PagesAcrossTiesOnCreatedAt) {
  v1::ListSessionsRequest request;
  request.set_project_id("p");
  request.set_limit(2);
  EXPECT_THAT(Pages(request), ElementsAre(ElementsAre("p.s5", "p.s4"), ElementsAre("p.s3", "p.s2"),
                                          ElementsAre("p.s1", "p.legacy")));
  // The token carries the last row's position, to the microsecond.
  const std::vector<SessionListQuery> queries = database_.list_queries();
  ASSERT_EQ(queries.size(), 3u);
  ASSERT_TRUE(queries[1].after.has_value());
  EXPECT_EQ(queries[1].after->session_id, "p.s4");
  EXPECT_EQ(queries[1].after->created_at, absl::FromUnixMillis(1700000002000));
  EXPECT_EQ(queries[1].project_id, "p");
  EXPECT_EQ(queries[1].limit, 3);
}

TEST_F(ListSessionsTest, AnExactlyFullLastPageHasNoToken) {
  v1::ListSessionsRequest request;
  request.set_project_id("p");
  request.set_limit(3);
  EXPECT_THAT(Pages(request),
              ElementsAre(ElementsAre("p.s5", "p.s4", "p.s3"), ElementsAre("p.s2", "p.s1", "p.legacy")));
}

TEST_F(ListSessionsTest, FiltersByStatusAndCreationTime) {
  v1::ListSessionsRequest request;
  request.set_status("live");
  EXPECT_THAT(Pages(request), ElementsAre(ElementsAre("p.s5", "q.q1", "p.s4", "p.s2")));
  request.set_status("completed");
  request.set_since_unix_ms(1700000002000);  // at or after
  EXPECT_THAT(Pages(request), ElementsAre(ElementsAre("p.s3")));
  EXPECT_EQ(database_.list_queries().back().lifecycle, "completed");
  EXPECT_EQ(database_.list_queries().back().created_since, absl::FromUnixMillis(1700000002000));
  request.set_status("");
  request.set_since_unix_ms(0);
  request.set_project_id("q");
  EXPECT_THAT(Pages(request), ElementsAre(ElementsAre("q.q1")));
  request.set_project_id("nobody");
  EXPECT_THAT(Pages(request), ElementsAre(IsEmpty()));
}

TEST_F(ListSessionsTest, RefusesBadArgumentsBeforeAskingTheDatabase) {
  const auto code = [&](const v1::ListSessionsRequest& request) {
    return core_.ListSessions(request).status().code();
  };
  v1::ListSessionsRequest request;
  request.set_status("active");
  EXPECT_EQ(code(request), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(core_.ListSessions(request).status().message(), HasSubstr("live, completed"));
  request.Clear();
  request.set_limit(kMaxSessionListLimit + 1);
  EXPECT_EQ(code(request), absl::StatusCode::kInvalidArgument);
  request.set_limit(-1);
  EXPECT_EQ(code(request), absl::StatusCode::kInvalidArgument);
  request.Clear();
  request.set_since_unix_ms(-1);
  EXPECT_EQ(code(request), absl::StatusCode::kInvalidArgument);
  request.Clear();
  request.set_project_id(std::string(201, 'p'));
  EXPECT_EQ(code(request), absl::StatusCode::kInvalidArgument);
  request.Clear();
  request.set_page_token(absl::WebSafeBase64Escape("sl1|1|x'; DROP TABLE sessions; --"));
  EXPECT_TRUE(core_.ListSessions(request).ok());  // a parameter, never SQL
  request.set_page_token("garbage!");
  EXPECT_EQ(code(request), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(core_.ListSessions(request).status().message(), HasSubstr("page_token"));
  request.set_page_token(EncodeDeadLetterPageToken("ingest.tasks.dlq", {{0, 1}}));
  EXPECT_EQ(code(request), absl::StatusCode::kInvalidArgument);
  // Only the one well-formed request reached the database.
  EXPECT_EQ(database_.list_queries().size(), 1u);

  request.Clear();
  request.set_limit(kMaxSessionListLimit);
  EXPECT_TRUE(core_.ListSessions(request).ok());
}

TEST_F(ListSessionsTest, DatabaseErrorsPassThrough) {
  database_.Fail(absl::UnavailableError("no database"));
  EXPECT_EQ(core_.ListSessions({}).status().code(), absl::StatusCode::kUnavailable);
}

TEST(ListSessionsWithoutDatabaseTest, IsUnavailable) {
  FakeKafkaAdmin admin;
  BrokerProxyCore core(BrokerProxyCoreOptions{}, admin, nullptr);
  auto answer = core.ListSessions({});
  EXPECT_EQ(answer.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(answer.status().message(), HasSubstr("started without --pg_dsn"));
}

TEST(GetSessionTest, WithoutADatabaseIsUnavailable) {
  FakeKafkaAdmin admin;
  BrokerProxyCore core(BrokerProxyCoreOptions{}, admin, nullptr);
  v1::GetSessionRequest request;
  request.set_session_id("p.a");
  auto answer = core.GetSession(request);
  EXPECT_EQ(answer.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(answer.status().message(), HasSubstr("started without --pg_dsn"));
}

// ResetOffsets: a topic of 3 partitions holding offsets 10..49 (low 10,
// high 50), the database at 20/30/-, Kafka's mirror at 20/30/-; the group
// stopped (Empty, no members).
class ResetOffsetsTest : public BrokerProxyCoreTest {
 protected:
  void SetUp() override {
    admin_.AddTopic("ingest.tasks", 3, 1, kSafeConfigs);
    absl::MutexLock lock(&admin_.mutex_);
    for (auto& marks : admin_.topics_["ingest.tasks"].watermarks) marks = {marks.partition, 10, 50};
    admin_.committed_ = {{0, 20}, {1, 30}};
    admin_.group_.state = "Empty";
    database_.offsets = {{0, 20}, {1, 30}};
  }
  static v1::ResetOffsetsRequest Latest(bool dry_run) {
    v1::ResetOffsetsRequest request;
    request.set_latest(true);
    request.set_dry_run(dry_run);
    return request;
  }
  static std::vector<std::tuple<int32_t, int64_t, int64_t>> Changes(
      const v1::ResetOffsetsResponse& response) {
    std::vector<std::tuple<int32_t, int64_t, int64_t>> changes;
    for (const auto& c : response.changes()) {
      changes.emplace_back(c.partition(), c.from_offset(), c.to_offset());
    }
    return changes;
  }
  std::map<int32_t, int64_t> Committed() {
    absl::MutexLock lock(&admin_.mutex_);
    return admin_.committed_;
  }
};

using Change = std::tuple<int32_t, int64_t, int64_t>;

TEST_F(ResetOffsetsTest, RefusedWhileTheGroupHasMembers) {
  {
    absl::MutexLock lock(&admin_.mutex_);
    admin_.group_.state = "Stable";
    admin_.group_.members = {GroupMember{.member_id = "w-1"}, GroupMember{.member_id = "w-2"}};
  }

  auto response = core_.ResetOffsets(Latest(false), "op");

  EXPECT_EQ(response.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(response.status().message(), HasSubstr("stop the workers first: 2 members"));
  EXPECT_EQ(database_.writes, 0);
  EXPECT_THAT(Committed(), ElementsAre(Pair(0, 20), Pair(1, 30)));
}

TEST_F(ResetOffsetsTest, RefusedWhileTheGroupRebalancesEvenWithoutMembersListed) {
  {
    absl::MutexLock lock(&admin_.mutex_);
    admin_.group_.state = "PreparingRebalance";
  }
  EXPECT_EQ(core_.ResetOffsets(Latest(false), "op").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(database_.writes, 0);
}

TEST_F(ResetOffsetsTest, RefusedWhenTheClusterCannotDescribeTheGroup) {
  {
    absl::MutexLock lock(&admin_.mutex_);
    admin_.describe_group_error_ = absl::UnimplementedError("describe group ingest-workers: off");
  }
  auto response = core_.ResetOffsets(Latest(true), "op");
  EXPECT_EQ(response.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(response.status().message(),
              HasSubstr("cannot confirm that group ingest-workers is stopped"));
  EXPECT_EQ(database_.writes, 0);
  EXPECT_THAT(Committed(), ElementsAre(Pair(0, 20), Pair(1, 30)));
}

TEST_F(ResetOffsetsTest, AWorkerThatJoinedDuringTheResetIsReported) {
  {
    absl::MutexLock lock(&admin_.mutex_);
    admin_.group_on_second_describe_ =
        GroupDescription{.state = "Stable", .members = {GroupMember{.member_id = "w-1"}}};
  }
  auto response = core_.ResetOffsets(Latest(false), "op");
  EXPECT_EQ(response.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(response.status().message(),
              HasSubstr("1 members joined group ingest-workers meanwhile"));
  EXPECT_EQ(database_.writes, 1) << "the reset itself was applied";
}

TEST_F(ResetOffsetsTest, ADryRunAnswersTheChangesAndWritesNothing) {
  auto response = core_.ResetOffsets(Latest(true), "op");

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_FALSE(response->applied());
  EXPECT_THAT(Changes(*response),
              ElementsAre(Change{0, 20, 50}, Change{1, 30, 50}, Change{2, -1, 50}));
  EXPECT_EQ(database_.writes, 0);
  EXPECT_THAT(database_.offsets, ElementsAre(Pair(0, 20), Pair(1, 30)));
  absl::MutexLock lock(&admin_.mutex_);
  EXPECT_EQ(admin_.alter_calls_, 0);
}

TEST_F(ResetOffsetsTest, LatestWritesBothStores) {
  auto response = core_.ResetOffsets(Latest(false), "op");

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_TRUE(response->applied());
  EXPECT_THAT(database_.offsets, ElementsAre(Pair(0, 50), Pair(1, 50), Pair(2, 50)));
  EXPECT_THAT(Committed(), ElementsAre(Pair(0, 50), Pair(1, 50), Pair(2, 50)));
  // The lag the operator then sees is 0.
  auto lag = core_.GetConsumerLag({}, absl::Now());
  ASSERT_TRUE(lag.ok()) << lag.status();
  EXPECT_EQ(lag->total_lag(), 0);
}

TEST_F(ResetOffsetsTest, EarliestIsEachPartitionsLowWatermark) {
  {
    absl::MutexLock lock(&admin_.mutex_);
    admin_.topics_["ingest.tasks"].watermarks[2] = {2, 40, 50};
  }
  v1::ResetOffsetsRequest request;
  request.set_earliest(true);

  auto response = core_.ResetOffsets(request, "op");

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(Changes(*response),
              ElementsAre(Change{0, 20, 10}, Change{1, 30, 10}, Change{2, -1, 40}));
  EXPECT_THAT(database_.offsets, ElementsAre(Pair(0, 10), Pair(1, 10), Pair(2, 40)));
  EXPECT_THAT(Committed(), ElementsAre(Pair(0, 10), Pair(1, 10), Pair(2, 40)));
}

TEST_F(ResetOffsetsTest, ATimeMapsToTheFirstRecordAtOrAfterItAndPastTheEndToTheHighWatermark) {
  const absl::Time t0 = absl::FromUnixSeconds(1700000000);
  {
    absl::MutexLock lock(&admin_.mutex_);
    admin_.timestamps_[{0, 12}] = t0 - absl::Minutes(1);
    admin_.timestamps_[{0, 13}] = t0;
    admin_.timestamps_[{0, 14}] = t0 + absl::Minutes(1);
    admin_.timestamps_[{1, 44}] = t0 + absl::Hours(1);
    admin_.timestamps_[{2, 11}] = t0 - absl::Hours(1);  // nothing as recent: the end
  }
  v1::ResetOffsetsRequest request;
  request.set_unix_ms(absl::ToUnixMillis(t0));

  auto response = core_.ResetOffsets(request, "op");

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(Changes(*response),
              ElementsAre(Change{0, 20, 13}, Change{1, 30, 44}, Change{2, -1, 50}));
  EXPECT_THAT(database_.offsets, ElementsAre(Pair(0, 13), Pair(1, 44), Pair(2, 50)));
}

TEST_F(ResetOffsetsTest, WithoutATargetIsInvalidAndTouchesNothing) {
  v1::ResetOffsetsRequest request;
  request.set_dry_run(false);

  EXPECT_EQ(core_.ResetOffsets(request, "op").status().code(),
            absl::StatusCode::kInvalidArgument);
  request.set_unix_ms(-5);
  EXPECT_EQ(core_.ResetOffsets(request, "op").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(database_.writes, 0);
}

TEST_F(ResetOffsetsTest, ADatabaseFailureChangesNothingInKafka) {
  database_.write_status = absl::UnavailableError("connection refused");

  auto response = core_.ResetOffsets(Latest(false), "op");

  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(response.status().message(), HasSubstr("nothing was reset"));
  EXPECT_THAT(Committed(), ElementsAre(Pair(0, 20), Pair(1, 30)));
}

TEST_F(ResetOffsetsTest, AKafkaFailureAfterTheDatabaseSaysWhatWasReset) {
  {
    absl::MutexLock lock(&admin_.mutex_);
    admin_.alter_status_ = absl::FailedPreconditionError("GROUP_SUBSCRIBED_TO_TOPIC");
  }

  auto response = core_.ResetOffsets(Latest(false), "op");

  EXPECT_EQ(response.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(response.status().message(), HasSubstr("the database's offsets were reset"));
  EXPECT_THAT(database_.offsets, ElementsAre(Pair(0, 50), Pair(1, 50), Pair(2, 50)));
}

TEST_F(ResetOffsetsTest, UnknownTopicIsNotFoundAndNoDatabaseIsUnavailable) {
  v1::ResetOffsetsRequest request = Latest(false);
  request.set_topic("missing");
  EXPECT_EQ(core_.ResetOffsets(request, "op").status().code(), absl::StatusCode::kNotFound);

  BrokerProxyCore without_database(BrokerProxyCoreOptions{}, admin_, nullptr);
  EXPECT_EQ(without_database.ResetOffsets(Latest(true), "op").status().code(),
            absl::StatusCode::kUnavailable);
}

// ---------------------------------------------------------------------------
// RedriveSession

// A letter of the DLQ as the worker writes it: the source record's key and
// value, where it came from.
TopicRecord SourceLetter(int32_t dlq_partition, const std::string& session, int32_t partition,
                         int64_t offset, std::string value,
                         const std::string& topic = "ingest.tasks") {
  TopicRecord record;
  record.partition = dlq_partition;
  record.key = session;
  record.value = std::move(value);
  record.headers = {{dlq_headers::kReason, "quarantined_session"},
                    {dlq_headers::kSourceTopic, topic},
                    {dlq_headers::kSourcePartition, absl::StrCat(partition)},
                    {dlq_headers::kSourceOffset, absl::StrCat(offset)},
                    {dlq_headers::kSessionId, session}};
  return record;
}

// The worker's database offsets: fixed, or catching up by `step` per read.
class ProgressingDatabase final : public DatabaseOffsets {
 public:
  absl::StatusOr<std::map<int32_t, int64_t>> NextOffsets(const std::string&) override {
    absl::MutexLock lock(&mutex);
    ++reads;
    std::map<int32_t, int64_t> now = offsets;
    for (auto& [p, offset] : offsets) offset += step;
    return now;
  }
  absl::Status SetNextOffsets(const std::string&, const std::map<int32_t, int64_t>&) override {
    return absl::UnimplementedError("not in these tests");
  }
  absl::Mutex mutex;
  std::map<int32_t, int64_t> offsets ABSL_GUARDED_BY(mutex);
  int64_t step ABSL_GUARDED_BY(mutex) = 0;
  int reads ABSL_GUARDED_BY(mutex) = 0;
};

constexpr char kTopic[] = "ingest.tasks";
constexpr char kTopicDlq[] = "ingest.tasks.dlq";

class RedriveSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    admin_.AddTopic(kTopic, 4, 1, kSafeConfigs);
    admin_.topic(kTopic).watermarks[2] = {2, 0, 100};  // H0 = 100
    {
      absl::MutexLock lock(&database_.mutex);
      database_.offsets[2] = 100;  // the worker caught up
    }
    quarantines_.Put(kTopic, "p.s1", Quarantine{.partition = 2, .first_offset = 40,
                                                .reason = "invalid_record"});
    producer_.SetNextOffset(kTopic, 2, 100);
    dlq_.AddTopic(kTopicDlq, 2);
    dlq_.Add(kTopicDlq, SourceLetter(0, "p.s1", 2, 40, PayloadValue("p.s1", 3)));      // 0:0
    dlq_.Add(kTopicDlq, SourceLetter(0, "p.other", 2, 41, PayloadValue("p.other", 1)));  // 0:1
    dlq_.Add(kTopicDlq, SourceLetter(0, "p.s1", 2, 45, PayloadValue("p.s1", 5)));      // 0:2
    // Another partition's, one from before F0, one at H0, another topic's.
    dlq_.Add(kTopicDlq, SourceLetter(0, "p.s1", 1, 46, PayloadValue("p.s1", 90)));
    dlq_.Add(kTopicDlq, SourceLetter(0, "p.s1", 2, 30, PayloadValue("p.s1", 91)));
    dlq_.Add(kTopicDlq, SourceLetter(0, "p.s1", 2, 100, PayloadValue("p.s1", 92)));
    dlq_.Add(kTopicDlq, SourceLetter(0, "p.s1", 2, 50, PayloadValue("p.s1", 93), "other.tasks"));
    dlq_.Add(kTopicDlq, SourceLetter(0, "p.s1", 2, 47, PayloadValue("p.s1", 6)));      // 0:7
    dlq_.Add(kTopicDlq, SourceLetter(1, "p.s1", 2, 44, PayloadValue("p.s1", 4)));      // 1:0
  }

  absl::StatusOr<v1::RedriveSessionResponse> Redrive(const std::string& session,
                                                     bool skip_undecodable = false,
                                                     bool dry_run = false) {
    v1::RedriveSessionRequest request;
    request.set_session_id(session);
    request.set_skip_undecodable(skip_undecodable);
    request.set_dry_run(dry_run);
    return core_.RedriveSession(request, "sha256:test", absl::Now() + absl::Seconds(5));
  }

  // "<dlq partition>:<dlq offset>" of every record produced, in order.
  std::vector<std::string> ProducedFrom() {
    std::vector<std::string> out;
    for (const FakeProducer::Record& record : producer_.records()) {
      out.push_back(record.Header(redrive_headers::kFromDeadLetter));
    }
    return out;
  }

  static BrokerProxyCoreOptions Options() {
    BrokerProxyCoreOptions options;
    options.admin_timeout = absl::Milliseconds(300);
    options.catch_up_poll = absl::Milliseconds(10);
    return options;
  }

  FakeKafkaAdmin admin_;
  ProgressingDatabase database_;
  FakeDeadLetterSource dlq_;
  FakeQuarantineStore quarantines_;
  FakeProducer producer_;
  BrokerProxyCore core_{Options(), admin_, &database_, &dlq_, nullptr, &quarantines_, &producer_};
};

TEST_F(RedriveSessionTest, ProducesTheSessionsLettersFromTheQuarantineBelowH0InSourceOrder) {
  auto response = Redrive("p.s1");

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->redriven(), 4);
  EXPECT_EQ(response->skipped_undecodable(), 0);
  EXPECT_FALSE(response->quarantine_lifted());
  EXPECT_EQ(response->first_partition(), 2);
  EXPECT_EQ(response->first_offset(), 100);
  EXPECT_EQ(response->last_offset(), 103);
  EXPECT_EQ(response->scanned_through(), 100);
  EXPECT_THAT(response->redrive_id(), ::testing::StartsWith("rd-"));
  // Source offsets 40, 44, 45, 47: the letter in DLQ partition 1 between.
  EXPECT_THAT(ProducedFrom(), ElementsAre("0:0", "1:0", "0:2", "0:7"));
  const std::vector<FakeProducer::Record> records = producer_.records();
  ASSERT_EQ(records.size(), 4u);
  const uint64_t payloads[] = {3, 4, 5, 6};
  for (size_t i = 0; i < records.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(records[i].topic, kTopic);
    EXPECT_EQ(records[i].partition, 2);  // explicitly, not by key
    EXPECT_EQ(records[i].key, "p.s1");
    EXPECT_EQ(records[i].value, PayloadValue("p.s1", payloads[i]));  // byte for byte
    EXPECT_EQ(records[i].Header(redrive_headers::kRedriveId), response->redrive_id());
    EXPECT_EQ(records[i].Header(redrive_headers::kScannedThrough), "100");
    EXPECT_EQ(records[i].Header(redrive_headers::kLast),
              i + 1 == records.size() ? "1" : "<absent>");
  }
  ASSERT_TRUE(quarantines_.Get(kTopic, "p.s1").has_value());
  EXPECT_EQ(quarantines_.Get(kTopic, "p.s1")->redrive_id, response->redrive_id());
}

TEST_F(RedriveSessionTest, EachRecordNamesWhereItsOriginalFirstWasSoItsRowsAreWrittenOnce) {
  // Source offset 47 was itself a copy (a replay) of the record first at 12.
  quarantines_.Put(kTopic, "p.s3", Quarantine{.partition = 2, .first_offset = 40});
  dlq_.Add(kTopicDlq, SourceLetter(1, "p.s3", 2, 45, PayloadValue("p.s3", 1)));
  TopicRecord copy = SourceLetter(1, "p.s3", 2, 47, PayloadValue("p.s3", 2));
  AppendFirstPosition({2, 12}, copy.headers);
  dlq_.Add(kTopicDlq, copy);

  auto response = Redrive("p.s3");

  ASSERT_TRUE(response.ok()) << response.status();
  std::vector<FirstPosition> firsts;
  for (const FakeProducer::Record& record : producer_.records()) {
    firsts.push_back(FirstPositionOf(record.headers, {}));
  }
  EXPECT_THAT(firsts, ElementsAre(FirstPosition{2, 45}, FirstPosition{2, 12}));
}

TEST_F(RedriveSessionTest, LettersOutOfOrderInTheDlqAreProducedInSourceOrderOnceEach) {
  quarantines_.Put(kTopic, "p.s2", Quarantine{.partition = 2, .first_offset = 60});
  dlq_.Add(kTopicDlq, SourceLetter(1, "p.s2", 2, 62, PayloadValue("p.s2", 3)));  // 1:1
  dlq_.Add(kTopicDlq, SourceLetter(1, "p.s2", 2, 60, PayloadValue("p.s2", 1)));  // 1:2
  dlq_.Add(kTopicDlq, SourceLetter(1, "p.s2", 2, 61, PayloadValue("p.s2", 2)));  // 1:3
  dlq_.Add(kTopicDlq, SourceLetter(1, "p.s2", 2, 60, PayloadValue("p.s2", 1)));  // 1:4, again

  auto response = Redrive("p.s2");

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->redriven(), 3);
  EXPECT_THAT(ProducedFrom(), ElementsAre("1:2", "1:3", "1:1"));
  EXPECT_EQ(producer_.records().back().Header(redrive_headers::kLast), "1");
}

TEST_F(RedriveSessionTest, UndecodableLettersAreRefusedWithoutSkipAndLeftInTheDlqWithIt) {
  dlq_.Add(kTopicDlq, SourceLetter(1, "p.s1", 2, 41, "\xff\xff not a task"));  // 1:1

  auto refused = Redrive("p.s1");

  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("1:1 ("));
  EXPECT_THAT(refused.status().message(), HasSubstr("--skip_undecodable"));
  EXPECT_THAT(producer_.records(), IsEmpty());
  EXPECT_EQ(quarantines_.marks(), 0);

  auto skipped = Redrive("p.s1", /*skip_undecodable=*/true);

  ASSERT_TRUE(skipped.ok()) << skipped.status();
  EXPECT_EQ(skipped->redriven(), 4);
  EXPECT_EQ(skipped->skipped_undecodable(), 1);
  EXPECT_THAT(ProducedFrom(), ElementsAre("0:0", "1:0", "0:2", "0:7"));
}

TEST_F(RedriveSessionTest, ADryRunCountsAndChangesNothing) {
  dlq_.Add(kTopicDlq, SourceLetter(1, "p.s1", 2, 41, "junk"));

  auto response = Redrive("p.s1", /*skip_undecodable=*/true, /*dry_run=*/true);

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->redriven(), 4);
  EXPECT_EQ(response->skipped_undecodable(), 1);
  EXPECT_EQ(response->redrive_id(), "");
  EXPECT_EQ(response->scanned_through(), 100);
  EXPECT_THAT(producer_.records(), IsEmpty());
  EXPECT_EQ(quarantines_.marks(), 0);
  EXPECT_EQ(quarantines_.Get(kTopic, "p.s1")->redrive_id, "");
}

TEST_F(RedriveSessionTest, ASessionNotQuarantinedIsAFailedPrecondition) {
  auto response = Redrive("p.none");
  EXPECT_EQ(response.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(response.status().message(),
              HasSubstr("session p.none is not quarantined in ingest.tasks; nothing to redrive"));
}

TEST_F(RedriveSessionTest, AnErasedSessionIsRefusedAndNothingIsProduced) {
  // Even with a quarantine row (a poison record of it came after the
  // erasure) and its letters in the DLQ.
  quarantines_.Erase(
      "p.s1", SessionErasure{.erasure_id = 7, .erased_at = absl::FromUnixSeconds(1'800'000'000)});
  auto response = Redrive("p.s1");
  EXPECT_EQ(response.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(response.status().message(),
              HasSubstr("session p.s1 was erased (erasure 7 at 2027-01-15T08:00:00+00:00)"));
  EXPECT_THAT(producer_.records(), ::testing::IsEmpty());
  EXPECT_EQ(quarantines_.marks(), 0);
}

TEST_F(RedriveSessionTest, AQuarantineWithoutLettersIsAFailedPrecondition) {
  quarantines_.Put(kTopic, "p.empty", Quarantine{.partition = 2, .first_offset = 10});
  auto response = Redrive("p.empty");
  EXPECT_EQ(response.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(response.status().message(), HasSubstr("no dead letter of session p.empty"));
  EXPECT_EQ(quarantines_.marks(), 0);
}

TEST_F(RedriveSessionTest, AWorkerThatDoesNotCatchUpIsUnavailableAndNothingChanges) {
  {
    absl::MutexLock lock(&database_.mutex);
    database_.offsets[2] = 90;
  }
  auto response = Redrive("p.s1");

  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(response.status().message(),
              HasSubstr("the worker is 10 records behind on partition 2"));
  EXPECT_THAT(response.status().message(), HasSubstr("`ingestctl lag`"));
  EXPECT_THAT(producer_.records(), IsEmpty());
  EXPECT_EQ(quarantines_.marks(), 0);
  EXPECT_EQ(dlq_.scans(), 0);
}

TEST_F(RedriveSessionTest, WaitsForTheWorkerToCatchUp) {
  {
    absl::MutexLock lock(&database_.mutex);
    database_.offsets[2] = 90;
    database_.step = 5;  // 90, 95, 100
  }
  auto response = Redrive("p.s1");

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->redriven(), 4);
  absl::MutexLock lock(&database_.mutex);
  EXPECT_EQ(database_.reads, 3);
}

TEST_F(RedriveSessionTest, AQuarantineThatChangedBeforeTheMarkIsAborted) {
  quarantines_.RequarantineBeforeMark(120);
  auto response = Redrive("p.s1");
  EXPECT_EQ(response.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(response.status().message(),
              HasSubstr("the quarantine of session p.s1 changed while redriving"));
  EXPECT_THAT(producer_.records(), IsEmpty());
}

TEST_F(RedriveSessionTest, AFailedDeliveryIsUnavailableNamingHowFarItGot) {
  producer_.FailDeliveriesFrom(2, absl::UnavailableError("broker down"));
  auto response = Redrive("p.s1");
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(response.status().message(),
              HasSubstr("of session p.s1 stopped after 2 of 4 records"));
  EXPECT_THAT(response.status().message(), HasSubstr("broker down"));
  EXPECT_THAT(response.status().message(), HasSubstr("run the redrive again"));
}

TEST_F(RedriveSessionTest, AScanThatDoesNotReachTheEndIsUnavailableAndChangesNothing) {
  dlq_.CutAfter(3);
  auto response = Redrive("p.s1");
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(response.status().message(), HasSubstr("did not reach its end"));
  EXPECT_THAT(producer_.records(), IsEmpty());
  EXPECT_EQ(quarantines_.marks(), 0);
}

TEST_F(RedriveSessionTest, BadIdsAndMissingCollaborators) {
  EXPECT_EQ(Redrive("bad id!").status().code(), absl::StatusCode::kInvalidArgument);
  BrokerProxyCore without_database(Options(), admin_, nullptr, &dlq_, nullptr, nullptr,
                                   &producer_);
  v1::RedriveSessionRequest request;
  request.set_session_id("p.s1");
  auto response = without_database.RedriveSession(request, "op", absl::Now() + absl::Seconds(5));
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(response.status().message(), HasSubstr("--pg_dsn"));
}

// ---------------------------------------------------------------------------
// ReplaySession

class ReplaySessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    admin_.AddTopic(kTopic, 2, 1, kSafeConfigs);
    // Partition 0: p.a p.b p.a p.a p.b; partition 1: p.b p.c.
    const char* p0[] = {"p.a", "p.b", "p.a", "p.a", "p.b"};
    for (int i = 0; i < 5; ++i) {
      TopicRecord record{.partition = 0, .key = p0[i], .value = PayloadValue(p0[i], i + 1)};
      topic_.Add(kTopic, record);
      absl::MutexLock lock(&admin_.mutex_);
      admin_.timestamps_[{0, i}] = absl::FromUnixSeconds(1000 + i);
    }
    topic_.Add(kTopic, TopicRecord{.partition = 1, .key = "p.b", .value = "b"});
    topic_.Add(kTopic, TopicRecord{.partition = 1, .key = "p.c", .value = "c"});
    admin_.topic(kTopic).watermarks = {{0, 0, 5}, {1, 0, 2}};
    // Arrived after the call began: past the high watermark it saw.
    topic_.Add(kTopic, TopicRecord{.partition = 0, .key = "p.a", .value = "late"});
    producer_.SetNextOffset(kTopic, 0, 6);
  }

  absl::StatusOr<v1::ReplaySessionResponse> Replay(v1::ReplaySessionRequest request) {
    return core_.ReplaySession(request, "sha256:test", absl::Now() + absl::Seconds(5));
  }
  static v1::ReplaySessionRequest Request(const std::string& session) {
    v1::ReplaySessionRequest request;
    request.set_session_id(session);
    return request;
  }
  std::vector<std::string> ProducedValues() {
    std::vector<std::string> out;
    for (const FakeProducer::Record& record : producer_.records()) out.push_back(record.value);
    return out;
  }

  FakeKafkaAdmin admin_;
  FakeDeadLetterSource topic_;
  FakeQuarantineStore quarantines_;
  FakeProducer producer_;
  BrokerProxyCore core_{BrokerProxyCoreOptions{}, admin_, nullptr, &topic_, nullptr,
                        &quarantines_, &producer_};
};

TEST_F(ReplaySessionTest, ReplaysTheSessionsRecordsToTheirPartitionInOffsetOrder) {
  auto response = Replay(Request("p.a"));

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->partition(), 0);
  EXPECT_EQ(response->records_found(), 3);
  EXPECT_EQ(response->records_replayed(), 3);
  EXPECT_THAT(response->replay_id(), ::testing::StartsWith("rp-"));
  EXPECT_THAT(ProducedValues(), ElementsAre(PayloadValue("p.a", 1), PayloadValue("p.a", 3),
                                            PayloadValue("p.a", 4)));
  for (const FakeProducer::Record& record : producer_.records()) {
    EXPECT_EQ(record.topic, kTopic);
    EXPECT_EQ(record.partition, 0);
    EXPECT_EQ(record.key, "p.a");
    EXPECT_EQ(record.Header(redrive_headers::kReplayId), response->replay_id());
  }
  std::vector<FirstPosition> firsts;
  for (const FakeProducer::Record& record : producer_.records()) {
    firsts.push_back(FirstPositionOf(record.headers, {}));
  }
  EXPECT_THAT(firsts, ElementsAre(FirstPosition{0, 0}, FirstPosition{0, 2}, FirstPosition{0, 3}))
      << "each copy names the position it was read from";
}

TEST_F(ReplaySessionTest, ACopyOfACopyNamesTheOriginalsFirstPosition) {
  TopicRecord copy{.partition = 1, .key = "p.c", .value = "c again"};  // at 1:2
  AppendFirstPosition({1, 1}, copy.headers);
  topic_.Add(kTopic, copy);
  admin_.topic(kTopic).watermarks[1] = {1, 0, 3};

  auto response = Replay(Request("p.c"));

  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_THAT(ProducedValues(), ElementsAre("c", "c again"));
  for (const FakeProducer::Record& record : producer_.records()) {
    EXPECT_EQ(FirstPositionOf(record.headers, {}), (FirstPosition{1, 1})) << record.value;
  }
}

TEST_F(ReplaySessionTest, AnOffsetRangeIsInclusive) {
  v1::ReplaySessionRequest request = Request("p.a");
  request.set_from_offset(1);
  request.set_to_offset(2);
  auto response = Replay(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->records_found(), 1);
  EXPECT_THAT(ProducedValues(), ElementsAre(PayloadValue("p.a", 3)));
}

TEST_F(ReplaySessionTest, ATimeRangeReadsTheRecordsStampedInIt) {
  v1::ReplaySessionRequest request = Request("p.a");
  request.set_from_unix_ms(1001500);  // offset 2 (1002 s) and
  request.set_to_unix_ms(1002500);    // not offset 3 (1003 s)
  auto response = Replay(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->records_found(), 1);
  EXPECT_THAT(ProducedValues(), ElementsAre(PayloadValue("p.a", 3)));
}

TEST_F(ReplaySessionTest, ADryRunCountsAndProducesNothing) {
  v1::ReplaySessionRequest request = Request("p.b");
  request.set_dry_run(true);
  auto response = Replay(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->records_found(), 3);  // in both partitions
  EXPECT_EQ(response->records_replayed(), 0);
  EXPECT_EQ(response->replay_id(), "");
  EXPECT_THAT(producer_.records(), IsEmpty());
}

TEST_F(ReplaySessionTest, AQuarantinedSessionIsRefused) {
  quarantines_.Put(kTopic, "p.a", Quarantine{.partition = 0, .first_offset = 2});
  auto response = Replay(Request("p.a"));
  EXPECT_EQ(response.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(response.status().message(), HasSubstr("redrive it instead"));
  EXPECT_THAT(producer_.records(), IsEmpty());
}

TEST_F(ReplaySessionTest, ARangeNotReadByTheDeadlineIsUnavailableNamingHowFarItGot) {
  topic_.CutAfter(2);  // partition 0 offset 0, partition 1 offset 0
  v1::ReplaySessionRequest request = Request("p.a");
  request.set_dry_run(true);
  auto response = Replay(request);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(response.status().message(), HasSubstr("partition 0 at offset 1 of 5"));
  EXPECT_THAT(response.status().message(), HasSubstr("1 records of session p.a found so far"));
}

TEST_F(ReplaySessionTest, BadRangesAreInvalid) {
  v1::ReplaySessionRequest both = Request("p.a");
  both.set_from_offset(1);
  both.set_from_unix_ms(5);
  EXPECT_EQ(Replay(both).status().code(), absl::StatusCode::kInvalidArgument);
  v1::ReplaySessionRequest inverted = Request("p.a");
  inverted.set_from_offset(5);
  inverted.set_to_offset(2);
  EXPECT_EQ(Replay(inverted).status().code(), absl::StatusCode::kInvalidArgument);
  v1::ReplaySessionRequest negative = Request("p.a");
  negative.set_to_unix_ms(-1);
  EXPECT_EQ(Replay(negative).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ingest
