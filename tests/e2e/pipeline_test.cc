// End to end, in one process: gRPC client -> gateway -> Kafka (librdkafka's
// mock cluster) -> worker -> PostgreSQL ($PG_DSN, a fresh database per test).

#include <grpcpp/grpcpp.h>

#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "ingest/v1/ingest.grpc.pb.h"
#include "services/common/kafka/testing/mock_cluster.h"
#include "services/common/pg/testing/test_database.h"
#include "services/gateway/gateway_server.h"
#include "services/worker/worker_app.h"

namespace ingest {
namespace {

constexpr char kTopic[] = "ingest.tasks";

// A worker running on its own thread until destroyed (SIGTERM-like stop).
class RunningWorker {
 public:
  explicit RunningWorker(const WorkerOptions& options) {
    auto app = WorkerApp::Create(options);
    EXPECT_TRUE(app.ok()) << app.status();
    app_ = std::move(app).value();
    thread_ = std::thread([this] { app_->Run(stop_); });
  }
  ~RunningWorker() {
    stop_.Notify();
    thread_.join();
  }

 private:
  std::unique_ptr<WorkerApp> app_;
  absl::Notification stop_;
  std::thread thread_;
};

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = MockKafkaCluster::Start(1, {{kTopic, 4, 1, {}}});
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = std::move(cluster).value();
    auto database = TestDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = std::move(database).value();

    GatewayOptions gateway_options;
    gateway_options.producer.bootstrap_servers = cluster_->bootstrap_servers();
    gateway_options.topic = kTopic;
    auto gateway = GatewayServer::Start(gateway_options);
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = std::move(gateway).value();
    stub_ = v1::Ingest::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", gateway_->port()), grpc::InsecureChannelCredentials()));
  }

  WorkerOptions WorkerConfig() const {
    WorkerOptions options;
    options.consumer.bootstrap_servers = cluster_->bootstrap_servers();
    options.consumer.topic = kTopic;
    options.consumer.group_id = "e2e";
    options.consumer.session_timeout = absl::Seconds(6);
    options.consumer.heartbeat_interval = absl::Seconds(1);
    options.store.dsn = database_->dsn();
    options.loop.max_batch_records = 16;
    return options;
  }

  std::string Initialize() {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
    v1::InitializeSessionRequest request;
    request.set_project_id("e2e-project");
    request.set_client_version("test/1");
    v1::InitializeSessionResponse response;
    grpc::Status status = stub_->InitializeSession(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.session_id();
  }

  grpc::Status Push(const std::string& session_id, uint64_t payload_id, const std::string& events) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
    v1::PushPayloadRequest request;
    request.set_session_id(session_id);
    request.set_payload_id(payload_id);
    request.mutable_content()->set_events(events);
    v1::PushPayloadResponse response;
    grpc::Status status = stub_->PushPayload(&context, request, &response);
    if (status.ok()) {
      EXPECT_EQ(response.payload_id(), payload_id);
    }
    return status;
  }

  static std::string Events(const std::string& session_id, uint64_t payload_id) {
    return absl::StrCat("[", session_id, "#", payload_id, "]", std::string(payload_id * 997, 'e'));
  }

  // Waits until `expected` payload rows exist (or the deadline passes).
  int64_t WaitForPayloadRows(int64_t expected, absl::Duration timeout) {
    auto db = database_->Connect();
    const absl::Time deadline = absl::Now() + timeout;
    int64_t rows = -1;
    while (absl::Now() < deadline) {
      auto result = db->Query("SELECT count(*) FROM session_payloads", {});
      if (result.ok()) rows = std::atoll(PQgetvalue(result->get(), 0, 0));
      if (rows >= expected) break;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return rows;
  }

  // Checks every pushed payload is stored once, byte-identical, in order.
  void ExpectStoredExactly(const std::map<std::string, uint64_t>& pushed) {
    auto db = database_->Connect();
    for (const auto& [session_id, count] : pushed) {
      auto rows = db->Query(
          "SELECT payload_id, data FROM session_payloads WHERE session_id = $1 "
          "ORDER BY persisted_seq",
          {PgParam::Text(session_id)});
      ASSERT_TRUE(rows.ok()) << rows.status();
      ASSERT_EQ(PQntuples(rows->get()), static_cast<int>(count)) << session_id;
      for (int i = 0; i < PQntuples(rows->get()); ++i) {
        const uint64_t payload_id = std::strtoull(PQgetvalue(rows->get(), i, 0), nullptr, 10);
        EXPECT_EQ(payload_id, static_cast<uint64_t>(i + 1)) << "persisted out of order";
        size_t length = 0;
        unsigned char* bytes = PQunescapeBytea(
            reinterpret_cast<const unsigned char*>(PQgetvalue(rows->get(), i, 1)), &length);
        v1::PayloadContent content;
        ASSERT_TRUE(content.ParseFromArray(bytes, static_cast<int>(length)));
        PQfreemem(bytes);
        EXPECT_EQ(content.events(), Events(session_id, payload_id));
      }
      auto session = db->Query(
          "SELECT payload_count, client_version FROM sessions WHERE session_id = $1",
          {PgParam::Text(session_id)});
      ASSERT_TRUE(session.ok());
      ASSERT_EQ(PQntuples(session->get()), 1);
      EXPECT_EQ(std::atoll(PQgetvalue(session->get(), 0, 0)), static_cast<int64_t>(count));
      EXPECT_STREQ(PQgetvalue(session->get(), 0, 1), "test/1");
    }
  }

  std::unique_ptr<MockKafkaCluster> cluster_;
  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<GatewayServer> gateway_;
  std::unique_ptr<v1::Ingest::Stub> stub_;
};

TEST_F(PipelineTest, EveryAcknowledgedPayloadIsPersistedOnceInOrder) {
  RunningWorker worker(WorkerConfig());
  std::map<std::string, uint64_t> pushed;
  for (int s = 0; s < 6; ++s) {
    const std::string session_id = Initialize();
    ASSERT_FALSE(session_id.empty());
    for (uint64_t p = 1; p <= 12; ++p) {
      ASSERT_TRUE(Push(session_id, p, Events(session_id, p)).ok());
    }
    pushed[session_id] = 12;
  }
  EXPECT_EQ(WaitForPayloadRows(72, absl::Seconds(60)), 72);
  ExpectStoredExactly(pushed);
}

TEST_F(PipelineTest, WorkerRestartMidStreamNeitherLosesNorDuplicates) {
  std::map<std::string, uint64_t> pushed;
  std::vector<std::string> sessions;
  for (int s = 0; s < 4; ++s) sessions.push_back(Initialize());
  {
    RunningWorker first(WorkerConfig());
    for (const std::string& session_id : sessions) {
      for (uint64_t p = 1; p <= 5; ++p) ASSERT_TRUE(Push(session_id, p, Events(session_id, p)).ok());
    }
    ASSERT_EQ(WaitForPayloadRows(20, absl::Seconds(60)), 20);
  }  // stopped: drains and leaves the group
  // Pushed while no worker runs: Kafka holds them.
  for (const std::string& session_id : sessions) {
    for (uint64_t p = 6; p <= 10; ++p) ASSERT_TRUE(Push(session_id, p, Events(session_id, p)).ok());
    pushed[session_id] = 10;
  }
  RunningWorker second(WorkerConfig());
  EXPECT_EQ(WaitForPayloadRows(40, absl::Seconds(60)), 40);
  ExpectStoredExactly(pushed);
}

TEST_F(PipelineTest, RetriedPushWithTheSamePayloadIdIsStoredOnce) {
  RunningWorker worker(WorkerConfig());
  const std::string session_id = Initialize();
  ASSERT_TRUE(Push(session_id, 1, Events(session_id, 1)).ok());
  ASSERT_TRUE(Push(session_id, 1, Events(session_id, 1)).ok());  // the SDK's retry
  ASSERT_TRUE(Push(session_id, 2, Events(session_id, 2)).ok());
  EXPECT_EQ(WaitForPayloadRows(2, absl::Seconds(60)), 2);
  ExpectStoredExactly({{session_id, 2}});
}

TEST_F(PipelineTest, InvalidRequestsAreRefusedWithInvalidArgument) {
  EXPECT_EQ(Push("", 1, "x").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Push("not-a-session", 1, "x").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  const std::string session_id = Initialize();
  EXPECT_EQ(Push(session_id, 0, "x").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(PipelineTest, KafkaDownMeansUnavailableNeverOk) {
  const std::string session_id = Initialize();
  gateway_.reset();
  GatewayOptions options;
  options.producer.bootstrap_servers = cluster_->bootstrap_servers();
  options.producer.delivery_timeout = absl::Seconds(2);
  options.topic = kTopic;
  auto gateway = GatewayServer::Start(options);
  ASSERT_TRUE(gateway.ok());
  gateway_ = std::move(gateway).value();
  stub_ = v1::Ingest::NewStub(grpc::CreateChannel(absl::StrCat("127.0.0.1:", gateway_->port()),
                                                  grpc::InsecureChannelCredentials()));
  rd_kafka_mock_broker_set_down(cluster_->handle(), 1);
  const absl::Time start = absl::Now();
  grpc::Status status = Push(session_id, 1, "x");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  rd_kafka_mock_broker_set_up(cluster_->handle(), 1);
}

}  // namespace
}  // namespace ingest
