// broker-proxy's operations on the mock cluster, as real processes: the
// broker_proxy binary and the worker binary against the mock_kafka process
// and a fresh PostgreSQL database ($PG_DSN; skipped without it).
//
//  0. Topics: DescribeTopic answers (partitions, watermarks; configs
//     unread, said so); EnsureTopics refuses to judge what it cannot read.
//  1. Lag while the worker is stopped is exactly what was produced
//     meanwhile, per partition; ResetOffsets refuses on the mock (it cannot
//     confirm the group is stopped: no DescribeGroups) and changes nothing;
//     a restarted worker brings the lag to 0.
//  2. A session whose payload 3 PostgreSQL refuses is quarantined with its
//     later payloads in the DLQ; a redrive while the cause stands fails
//     again; once it is fixed a redrive lands payloads 1-6 in order; then a
//     replay of the session writes nothing twice (payloads, feedback).
//
// The same operations against a real broker, through ingestctl:
// tests/broker_proxy/real_kafka.sh.

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "ingest/v1/admin.grpc.pb.h"
#include "ingest/v1/task.pb.h"
#include "services/common/codec/task_codec.h"
#include "services/common/pg/connection.h"
#include "services/common/pg/testing/test_database.h"
#include "tests/testing/child_process.h"
#include "tests/testing/polling.h"
#include "tests/testing/test_producer.h"

namespace ingest {
namespace {

constexpr char kTopic[] = "ingest.tasks";
constexpr char kProject[] = "bp-mock-project";
constexpr char kToken[] = "operator-mock-test-0123456789";
constexpr absl::Duration kWait = absl::Seconds(60);

v1::Task SessionTask(const std::string& session_id, v1::TaskType type) {
  v1::Task task;
  task.set_schema_version(kTaskSchemaVersion);
  task.set_type(type);
  task.set_project_id(kProject);
  task.set_session_id(session_id);
  task.set_gateway_id("broker-proxy-mock-test");
  SetReceivedAt(absl::Now(), &task);
  return task;
}

v1::Task PayloadTask(const std::string& session_id, uint64_t payload_id) {
  v1::Task task = SessionTask(session_id, v1::TASK_TYPE_PUSH_PAYLOAD);
  task.set_payload_id(payload_id);
  task.set_chunk_count(1);
  task.mutable_payload()->set_content_encoding(v1::CONTENT_ENCODING_IDENTITY);
  task.mutable_payload()->mutable_content()->set_events(
      absl::StrCat("[{\"payload\":", payload_id, "}]"));
  return task;
}

class BrokerProxyOnMockKafkaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = TestDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = std::move(database).value();

    auto mock = StartMockKafka({"--partitions=2", absl::StrCat("--topic=", kTopic)},
                               TestTempPath("mock_kafka"));
    ASSERT_TRUE(mock.ok()) << mock.status();
    mock_.emplace(std::move(mock->process));
    bootstrap_ = mock->address;

    auto producer = ConnectTestProducer(bootstrap_, "broker-proxy-mock-test", kTopic);
    ASSERT_TRUE(producer.ok()) << producer.status();
    producer_ = std::move(producer).value();

    const std::string tokens = WriteTestTempFile("tokens", absl::StrCat(kToken, "\n"));
    auto proxy = StartService(
        {RunfilePath("services/broker_proxy/broker_proxy"), "--grpc_address=127.0.0.1:0",
         "--metrics_address=127.0.0.1:0", "--kafka_bootstrap=" + bootstrap_,
         "--operator_token_file=" + tokens, "--pg_dsn=" + database_->dsn(),
         "--admin_timeout=3s", "--admin_api=basic", "--shutdown_grace=5s"},
        TestTempPath("broker_proxy"), "broker_proxy.started");
    ASSERT_TRUE(proxy.ok()) << proxy.status();
    proxy_.emplace(std::move(proxy->process));
    stub_ = v1::BrokerProxy::NewStub(
        grpc::CreateChannel(proxy->address, grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (!HasFailure()) return;
    for (const char* name : {"worker.err", "broker_proxy.err"}) {
      std::fprintf(stderr, "----- %s, last lines -----\n%s\n", name,
                   Tail(TestTempPath(name), 40).c_str());
    }
  }

  // Starts the worker binary (which migrates the database first); returns
  // once it logged worker.started.
  void StartWorker() {
    auto worker = ChildProcess::Start(
        {RunfilePath("services/worker/worker"), "--kafka_bootstrap=" + bootstrap_,
         "--pg_dsn=" + database_->dsn(), absl::StrCat("--topic=", kTopic),
         "--metrics_address=127.0.0.1:0", "--health_address=127.0.0.1:0",
         "--session_timeout=6s", "--heartbeat_interval=2s", "--batch_max_delay=20ms",
         "--shutdown_grace=10s"},
        TestTempPath("worker"));
    ASSERT_TRUE(worker.ok()) << worker.status();
    worker_.emplace(std::move(*worker));
    ASSERT_TRUE(worker_->WaitForOutput("worker.started", true, kWait).has_value())
        << "the worker did not start";
  }

  void StopWorker() {
    ASSERT_TRUE(worker_.has_value());
    EXPECT_EQ(worker_->Stop(SIGTERM, absl::Seconds(20)), std::optional<int>(0));
    worker_.reset();
  }

  // Produces `task` keyed by its session and waits for the broker.
  void Produce(const v1::Task& task) {
    ASSERT_TRUE(producer_
                    ->Produce(kTopic, task.session_id(), EncodeTask(task),
                              [](absl::StatusOr<RecordPosition> delivered) {
                                EXPECT_TRUE(delivered.ok()) << delivered.status();
                              })
                    .ok());
    ASSERT_TRUE(producer_->Flush(absl::Seconds(20)).ok());
  }

  std::unique_ptr<grpc::ClientContext> Context() {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    context->AddMetadata("authorization", absl::StrCat("Bearer ", kToken));
    return context;
  }

  v1::GetConsumerLagResponse Lag() {
    v1::GetConsumerLagResponse lag;
    grpc::Status status = stub_->GetConsumerLag(Context().get(), {}, &lag);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return lag;
  }

  // Waits until the worker stored everything in the topic (lag 0 with a
  // database offset on every partition that has records).
  bool WaitForLagZero() {
    return WaitUntil(kWait, [&] {
      v1::GetConsumerLagResponse lag = Lag();
      return lag.partitions_size() > 0 && lag.total_lag() == 0;
    });
  }

  v1::GetSessionResponse Session(const std::string& session_id) {
    v1::GetSessionRequest request;
    request.set_session_id(session_id);
    v1::GetSessionResponse response;
    grpc::Status status = stub_->GetSession(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  grpc::Status Redrive(const std::string& session_id, v1::RedriveSessionResponse* response) {
    v1::RedriveSessionRequest request;
    request.set_session_id(session_id);
    return stub_->RedriveSession(Context().get(), request, response);
  }

  // The first column of the first row of `sql`, or "<error>".
  std::string One(const std::string& sql) {
    if (db_ == nullptr) db_ = database_->Connect();
    if (db_ == nullptr) return "<error>";
    absl::StatusOr<PgResult> result = db_->Query(sql, {});
    if (!result.ok()) {
      ADD_FAILURE() << sql << ": " << result.status();
      return "<error>";
    }
    return PQntuples(result->get()) > 0 ? PQgetvalue(result->get(), 0, 0) : "";
  }

  std::map<int32_t, int64_t> DatabaseOffsets() {
    std::map<int32_t, int64_t> offsets;
    const v1::GetConsumerLagResponse lag = Lag();
    for (const v1::PartitionLag& p : lag.partitions()) {
      offsets[p.partition()] = p.database_next_offset();
    }
    return offsets;
  }

  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<PgConnection> db_;
  std::optional<ChildProcess> mock_;
  std::optional<ChildProcess> proxy_;
  std::optional<ChildProcess> worker_;
  std::string bootstrap_;
  std::unique_ptr<Producer> producer_;
  std::unique_ptr<v1::BrokerProxy::Stub> stub_;
};

TEST_F(BrokerProxyOnMockKafkaTest, TopicsAreDescribedAndEnsureRefusesWhatItCannotCheck) {
  Produce(PayloadTask("bp-mock-project.t", 1));
  v1::DescribeTopicResponse described;
  grpc::Status status = stub_->DescribeTopic(Context().get(), {}, &described);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(described.topic().partitions_size(), 2);
  int64_t records = 0;
  for (const v1::PartitionDescription& p : described.topic().partitions()) {
    records += p.high_watermark() - p.low_watermark();
  }
  EXPECT_EQ(records, 1);
  ASSERT_EQ(described.topic().unsafe_size(), 1);
  EXPECT_EQ(described.topic().unsafe(0).rule(), "configs readable");

  v1::EnsureTopicsResponse ensured;
  status = stub_->EnsureTopics(Context().get(), {}, &ensured);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(status.error_message().find("cannot check ingest.tasks"), std::string::npos)
      << status.error_message();
}

TEST_F(BrokerProxyOnMockKafkaTest, LagWhileTheWorkerIsStoppedIsWhatWasProducedMeanwhile) {
  StartWorker();
  for (uint64_t id = 1; id <= 3; ++id) Produce(PayloadTask("bp-mock-project.a", id));
  ASSERT_TRUE(WaitForLagZero()) << "the worker did not store the first records";
  StopWorker();
  const std::map<int32_t, int64_t> stored = DatabaseOffsets();

  // Meanwhile: four records of one session (one partition), three of another.
  for (uint64_t id = 4; id <= 7; ++id) Produce(PayloadTask("bp-mock-project.a", id));
  for (uint64_t id = 1; id <= 3; ++id) Produce(PayloadTask("bp-mock-project.b", id));
  v1::GetConsumerLagResponse lag = Lag();
  EXPECT_EQ(lag.total_lag(), 7);
  for (const v1::PartitionLag& p : lag.partitions()) {
    SCOPED_TRACE(p.partition());
    const int64_t resume = stored.at(p.partition()) >= 0 ? stored.at(p.partition()) : 0;
    EXPECT_EQ(p.lag(), p.high_watermark() - resume);
    EXPECT_EQ(p.owner_member(), "") << "nobody consumes while the worker is stopped";
  }

  // The mock cannot describe groups (--admin_api=basic), so nothing may
  // move.
  v1::ResetOffsetsRequest reset;
  reset.set_latest(true);
  v1::ResetOffsetsResponse changes;
  grpc::Status status = stub_->ResetOffsets(Context().get(), reset, &changes);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(status.error_message().find("cannot confirm that group ingest-workers is stopped"),
            std::string::npos)
      << status.error_message();
  EXPECT_EQ(DatabaseOffsets(), stored);

  StartWorker();
  ASSERT_TRUE(WaitForLagZero()) << "the restarted worker did not catch up";
  EXPECT_EQ(One("SELECT count(*) FROM session_payloads"), "10");
}

TEST_F(BrokerProxyOnMockKafkaTest, APoisonedSessionIsRedrivenInOrderOnceTheCauseIsFixed) {
  StartWorker();
  ASSERT_NE(db_ = database_->Connect(), nullptr);
  ASSERT_TRUE(db_->Exec(
      "CREATE TABLE refused_payload (payload_id bigint);"
      "INSERT INTO refused_payload VALUES (3);"
      "CREATE FUNCTION refuse_payload() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
      "IF NEW.payload_id IN (SELECT payload_id FROM refused_payload) THEN "
      "RAISE EXCEPTION 'payload % refused by the test', NEW.payload_id USING ERRCODE = '22023'; "
      "END IF; RETURN NEW; END $$;"
      "CREATE TRIGGER refuse BEFORE INSERT ON session_payloads "
      "FOR EACH ROW EXECUTE FUNCTION refuse_payload();").ok());
  const std::string session = "bp-mock-project.poisoned";
  for (uint64_t id = 1; id <= 6; ++id) Produce(PayloadTask(session, id));
  ASSERT_TRUE(WaitForLagZero());
  v1::GetSessionResponse shown = Session(session);
  EXPECT_EQ(shown.status(), "quarantined");
  EXPECT_EQ(shown.payloads(), 2);

  v1::ListDeadLettersRequest list;
  list.set_session_id(session);
  v1::ListDeadLettersResponse letters;
  grpc::Status status = stub_->ListDeadLetters(Context().get(), list, &letters);
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<uint64_t> dead_payloads;
  for (const v1::DeadLetter& letter : letters.letters()) {
    dead_payloads.push_back(letter.payload_id());
  }
  EXPECT_EQ(dead_payloads, (std::vector<uint64_t>{3, 4, 5, 6}));

  // The cause stands: the redrive's first record is refused again, and the
  // quarantine restarts at it (no redrive under way any more).
  v1::RedriveSessionResponse redrive;
  status = Redrive(session, &redrive);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(redrive.redriven(), 4);
  ASSERT_TRUE(WaitUntil(kWait, [&] {
    v1::GetSessionResponse now = Session(session);
    return now.status() == "quarantined" && now.redrive_id().empty();
  })) << "the failed redrive did not restart the quarantine";
  EXPECT_EQ(Session(session).payloads(), 2);

  // Fixed: the next redrive lands the session, in payload order.
  ASSERT_TRUE(db_->Exec("DELETE FROM refused_payload").ok());
  status = Redrive(session, &redrive);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_TRUE(WaitUntil(kWait, [&] { return Session(session).status() == "active"; }))
      << "the redrive did not lift the quarantine";
  shown = Session(session);
  EXPECT_EQ(shown.payloads(), 6);
  EXPECT_EQ(shown.gaps_size(), 0);
  EXPECT_EQ(One("SELECT string_agg(payload_id::text, ' ' ORDER BY persisted_seq) "
                "FROM session_payloads WHERE session_id = '" + session + "'"),
            "1 2 3 4 5 6");

  // A replay of everything the session has in the topic (its payloads,
  // both redrives, a feedback) stores nothing twice.
  v1::Task feedback = SessionTask(session, v1::TASK_TYPE_ADD_SESSION_FEEDBACK);
  feedback.mutable_feedback()->set_verbatim("works");
  Produce(feedback);
  ASSERT_TRUE(WaitForLagZero());
  v1::ReplaySessionRequest replay;
  replay.set_session_id(session);
  v1::ReplaySessionResponse replayed;
  status = stub_->ReplaySession(Context().get(), replay, &replayed);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(replayed.records_replayed(), 6 + 4 + 4 + 1);
  ASSERT_TRUE(WaitForLagZero());
  EXPECT_EQ(One("SELECT count(*) FROM session_payloads WHERE session_id = '" + session + "'"),
            "6");
  EXPECT_EQ(One("SELECT count(*) FROM session_feedback WHERE session_id = '" + session + "'"),
            "1");
  EXPECT_EQ(Session(session).status(), "active");
}

}  // namespace
}  // namespace ingest
