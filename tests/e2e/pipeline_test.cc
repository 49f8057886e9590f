// End to end, in one process: gRPC client -> gateway -> Kafka (librdkafka's
// mock cluster) -> worker -> PostgreSQL ($PG_DSN, a fresh database per test).

#include <grpcpp/grpcpp.h>

#include <map>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "ingest/v1/ingest.grpc.pb.h"
#include "services/common/crypto/sha256.h"
#include "services/common/kafka/testing/mock_cluster.h"
#include "services/common/pg/testing/test_database.h"
#include "services/gateway/gateway_server.h"
#include "services/worker/store/pg_binary.h"
#include "services/worker/store/stored_payload.h"
#include "tests/testing/child_process.h"
#include "tests/testing/http_get.h"
#include "tests/testing/polling.h"
#include "services/worker/worker_app.h"

namespace ingest {
namespace {

constexpr char kTopic[] = "ingest.tasks";
constexpr char kProject[] = "e2e-project";
constexpr char kApiKey[] = "sk_e2e_0123456789abcdef";
constexpr char kOtherProjectKey[] = "sk_other_0123456789abcd";
// The Kafka protocol's ApiKey of OffsetCommit (librdkafka keeps its names
// for them private).
constexpr int16_t kOffsetCommitApiKey = 8;

// Options of a gateway on a free port with the test's keys.
// The uncompressed bytes of a session_payloads row fetched in binary with
// storage_encoding, raw_size, data from column `first`.
absl::StatusOr<std::string> StoredData(const PGresult* rows, int row, int first) {
  return DecodeStoredData(static_cast<int>(BinaryValueInt(rows, row, first)),
                          BinaryValueBytes(rows, row, first + 2),
                          BinaryValueInt(rows, row, first + 1));
}

GatewayOptions TestGatewayOptions(const std::string& bootstrap) {
  GatewayOptions options;
  options.producer.bootstrap_servers = bootstrap;
  options.topic = kTopic;
  options.api_keys_file = WriteTestTempFile(
      "api_keys", absl::StrCat(kProject, " ", kApiKey, "\nother-project ", kOtherProjectKey, "\n"));
  options.session_secret_file = WriteTestTempFile("session_secret", "e2e-session-secret-0123456789");
  options.service.stream_chunk_bytes = 64 << 10;
  return options;
}

std::unique_ptr<grpc::ClientContext> Context(const char* api_key = kApiKey) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  if (api_key != nullptr) context->AddMetadata("authorization", absl::StrCat("Bearer ", api_key));
  return context;
}

// A worker running on its own thread until destroyed (SIGTERM-like stop).
class RunningWorker {
 public:
  explicit RunningWorker(const WorkerOptions& options) {
    auto app = WorkerApp::Create(options);
    EXPECT_TRUE(app.ok()) << app.status();
    app_ = std::move(app).value();
    thread_ = std::thread([this] {
      const absl::Status status = app_->Run(stop_);
      EXPECT_TRUE(status.ok()) << "the worker stopped on its own: " << status;
    });
  }
  ~RunningWorker() {
    stop_.Notify();
    thread_.join();
  }

  int metrics_port() const { return app_->metrics_port(); }
  int health_port() const { return app_->health_port(); }

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

    auto gateway = GatewayServer::Start(TestGatewayOptions(cluster_->bootstrap_servers()));
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

  std::string Initialize(const char* api_key = kApiKey) {
    v1::InitializeSessionRequest request;
    request.set_client_version("test/1");
    v1::InitializeSessionResponse response;
    grpc::Status status = stub_->InitializeSession(Context(api_key).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.session_id();
  }

  // Replaces the running gateway with one started from `options` and points
  // stub_ at it; returns its address ("" if it did not start).
  std::string RestartGateway(const GatewayOptions& options) {
    gateway_.reset();
    auto gateway = GatewayServer::Start(options);
    EXPECT_TRUE(gateway.ok()) << gateway.status();
    if (!gateway.ok()) return "";
    gateway_ = std::move(gateway).value();
    const std::string target = absl::StrCat("127.0.0.1:", gateway_->port());
    stub_ = v1::Ingest::NewStub(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
    return target;
  }

  grpc::Status Push(const std::string& session_id, uint64_t payload_id, const std::string& events,
                    const char* api_key = kApiKey) {
    v1::PushPayloadRequest request;
    request.set_session_id(session_id);
    request.set_payload_id(payload_id);
    request.mutable_content()->set_events(events);
    v1::PushPayloadResponse response;
    grpc::Status status = stub_->PushPayload(Context(api_key).get(), request, &response);
    if (status.ok()) {
      EXPECT_EQ(response.payload_id(), payload_id);
    }
    return status;
  }

  // Streams `pieces` as payload `payload_id` under a header announcing
  // `total_bytes` (and `sha256`, if not empty).
  grpc::Status Stream(const std::string& session_id, uint64_t payload_id, uint64_t total_bytes,
                      const std::string& sha256, const std::vector<std::string>& pieces,
                      v1::PushPayloadStreamResponse* response) {
    auto context = Context();
    auto writer = stub_->PushPayloadStream(context.get(), response);
    v1::PushPayloadStreamRequest header;
    header.mutable_header()->set_session_id(session_id);
    header.mutable_header()->set_payload_id(payload_id);
    header.mutable_header()->set_total_bytes(total_bytes);
    header.mutable_header()->set_sha256(sha256);
    writer->Write(header);
    for (const std::string& piece : pieces) {
      v1::PushPayloadStreamRequest chunk;
      chunk.set_chunk(piece);
      if (!writer->Write(chunk)) break;
    }
    writer->WritesDone();
    return writer->Finish();
  }

  static std::string Events(const std::string& session_id, uint64_t payload_id) {
    return absl::StrCat("[", session_id, "#", payload_id, "]", std::string(payload_id * 997, 'e'));
  }

  // Waits until `expected` payload rows exist (or the deadline passes).
  int64_t WaitForPayloadRows(int64_t expected, absl::Duration timeout) {
    return WaitForCount("SELECT count(*) FROM session_payloads", expected, timeout);
  }

  // Polls `count_sql` until it reaches `expected` or `timeout` passes.
  int64_t WaitForCount(const char* count_sql, int64_t expected, absl::Duration timeout) {
    auto db = database_->Connect();
    const absl::Time deadline = absl::Now() + timeout;
    int64_t rows = -1;
    while (absl::Now() < deadline) {
      auto result = db->Query(count_sql, {});
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
          "SELECT payload_id, storage_encoding, raw_size, data FROM session_payloads "
          "WHERE session_id = $1 ORDER BY persisted_seq",
          {PgParam::Text(session_id)}, PgFormat::kBinary);
      ASSERT_TRUE(rows.ok()) << rows.status();
      ASSERT_EQ(PQntuples(rows->get()), static_cast<int>(count)) << session_id;
      for (int i = 0; i < PQntuples(rows->get()); ++i) {
        const auto payload_id = static_cast<uint64_t>(BinaryValueInt(rows->get(), i, 0));
        EXPECT_EQ(payload_id, static_cast<uint64_t>(i + 1)) << "persisted out of order";
        absl::StatusOr<std::string> bytes = StoredData(rows->get(), i, 1);
        ASSERT_TRUE(bytes.ok()) << bytes.status();
        v1::PayloadContent content;
        ASSERT_TRUE(content.ParseFromString(*bytes));
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

// Issue 15: librdkafka makes FENCED_INSTANCE_ID on an offset commit fatal
// (what a static member's commit gets when its session was taken over
// after a Kafka outage). The worker replaces its consumer in-process,
// resumes from the database offsets, and never stops: nothing acknowledged
// is lost, duplicated or reordered.
TEST_F(PipelineTest, AFencedConsumerIsReplacedInProcessAndNothingIsLost) {
  WorkerOptions options = WorkerConfig();
  options.consumer.group_instance_id = "worker-fenced";
  RunningWorker worker(options);
  const std::string session = Initialize();
  uint64_t payload_id = 0;
  for (; payload_id < 5; ++payload_id) {
    ASSERT_TRUE(Push(session, payload_id + 1, Events(session, payload_id + 1)).ok());
  }
  ASSERT_EQ(WaitForPayloadRows(5, absl::Seconds(30)), 5);

  rd_kafka_mock_push_request_errors(cluster_->handle(), kOffsetCommitApiKey, 1,
                                    RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID);
  const std::string recreated =
      "ingest_worker_consumer_recreated_total{reason=\"FENCED_INSTANCE_ID\"} 1";
  // Each persisted batch may send a (monitoring) commit; the first one sent
  // is fenced. Keep the session going until the consumer was replaced.
  const bool replaced = WaitUntil(absl::Seconds(60), [&] {
    ++payload_id;
    EXPECT_TRUE(Push(session, payload_id, Events(session, payload_id)).ok());
    return absl::StrContains(HttpGet(worker.metrics_port(), "/metrics"), recreated);
  }, absl::Milliseconds(500));
  ASSERT_TRUE(replaced) << "no consumer replacement within 60 s";
  EXPECT_TRUE(IsOk(HttpGet(worker.health_port(), "/livez")))
      << "one replacement is routine: the probe stays healthy";

  for (int more = 0; more < 5; ++more) {
    ++payload_id;
    ASSERT_TRUE(Push(session, payload_id, Events(session, payload_id)).ok());
  }
  ASSERT_EQ(WaitForPayloadRows(static_cast<int64_t>(payload_id), absl::Seconds(60)),
            static_cast<int64_t>(payload_id));
  ExpectStoredExactly({{session, payload_id}});
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

TEST_F(PipelineTest, MissingOrUnknownKeyIsUnauthenticated) {
  const std::string session_id = Initialize();
  EXPECT_EQ(Push(session_id, 1, "x", nullptr).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Push(session_id, 1, "x", "sk_not_a_key_000000000").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(PipelineTest, AnotherProjectsKeyIsPermissionDenied) {
  const std::string session_id = Initialize();
  EXPECT_EQ(Push(session_id, 1, "x", kOtherProjectKey).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(PipelineTest, StreamedPayloadIsChunkedAndStoredByteIdentical) {
  RunningWorker worker(WorkerConfig());
  const std::string session_id = Initialize();
  v1::PayloadContent content;
  content.set_events(std::string(1'000'000, 'e') + "tail");
  const std::string bytes = content.SerializeAsString();

  std::vector<std::string> pieces;
  for (size_t at = 0; at < bytes.size(); at += 100'000) pieces.push_back(bytes.substr(at, 100'000));
  v1::PushPayloadStreamResponse response;
  grpc::Status status = Stream(session_id, 1, bytes.size(), Sha256(bytes), pieces, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const uint32_t chunks = static_cast<uint32_t>((bytes.size() + (64 << 10) - 1) / (64 << 10));
  EXPECT_EQ(response.chunk_count(), chunks);
  EXPECT_EQ(response.sha256(), Sha256(bytes));
  EXPECT_EQ(response.last_offset() - response.first_offset() + 1, chunks);

  EXPECT_EQ(WaitForPayloadRows(chunks, absl::Seconds(60)), chunks);
  auto db = database_->Connect();
  auto stored = db->Query(
      "SELECT storage_encoding, raw_size, data FROM session_payloads "
      "WHERE session_id = $1 AND payload_id = 1 ORDER BY chunk_index",
      {PgParam::Text(session_id)}, PgFormat::kBinary);
  ASSERT_TRUE(stored.ok()) << stored.status();
  Sha256Hasher digest;
  for (int row = 0; row < PQntuples(stored->get()); ++row) {
    absl::StatusOr<std::string> chunk = StoredData(stored->get(), row, 0);
    ASSERT_TRUE(chunk.ok()) << chunk.status();
    digest.Update(*chunk);
  }
  EXPECT_EQ(digest.Finish(), Sha256(bytes));
}

TEST_F(PipelineTest, StreamWithAWrongDigestIsRefusedAndNeverOk) {
  const std::string session_id = Initialize();
  v1::PushPayloadStreamResponse response;
  EXPECT_EQ(Stream(session_id, 1, 200'000, std::string(32, 'x'), {std::string(200'000, 'c')},
                   &response)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(PipelineTest, StreamShorterThanItsHeaderIsInvalidArgument) {
  const std::string session_id = Initialize();
  v1::PushPayloadStreamResponse response;
  grpc::Status status = Stream(session_id, 1, 1000, "", {std::string(10, 'c')}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
}

TEST_F(PipelineTest, SessionCallsErrorsAndMetricsArePersisted) {
  RunningWorker worker(WorkerConfig());
  const std::string session_id = Initialize();
  {
    v1::IdentifySessionRequest request;
    request.set_session_id(session_id);
    request.set_user_identifier("ada@example.com");
    v1::IdentifySessionResponse response;
    ASSERT_TRUE(stub_->IdentifySession(Context().get(), request, &response).ok());
    EXPECT_GE(response.position().offset(), 0);
  }
  {
    v1::AddSessionPropertiesRequest request;
    request.set_session_id(session_id);
    (*request.mutable_properties())["plan"] = "pro";
    v1::AddSessionPropertiesResponse response;
    ASSERT_TRUE(stub_->AddSessionProperties(Context().get(), request, &response).ok());
  }
  {
    v1::AddSessionFeedbackRequest request;
    request.set_session_id(session_id);
    request.set_verbatim("smooth");
    v1::AddSessionFeedbackResponse response;
    ASSERT_TRUE(stub_->AddSessionFeedback(Context().get(), request, &response).ok());
  }
  {
    v1::PushBackendErrorsRequest request;
    request.add_errors()->set_event("no session");
    v1::BackendError* error = request.add_errors();
    error->set_event("with session");
    error->set_session_id(session_id);
    v1::PushBackendErrorsResponse response;
    ASSERT_TRUE(stub_->PushBackendErrors(Context().get(), request, &response).ok());
    EXPECT_EQ(response.records(), 2u);
  }
  {
    v1::PushMetricsRequest request;
    v1::Metric* metric = request.add_metrics();
    metric->set_name("lcp");
    metric->set_value(1.25);
    v1::PushMetricsResponse response;
    ASSERT_TRUE(stub_->PushMetrics(Context().get(), request, &response).ok());
  }
  EXPECT_EQ(WaitForCount("SELECT count(*) FROM metrics", 1, absl::Seconds(60)), 1);
  EXPECT_EQ(WaitForCount("SELECT count(*) FROM backend_errors", 2, absl::Seconds(60)), 2);
  EXPECT_EQ(WaitForCount("SELECT count(*) FROM sessions WHERE user_identifier = 'ada@example.com' "
                         "AND properties->>'plan' = 'pro'",
                         1, absl::Seconds(60)),
            1);
  EXPECT_EQ(WaitForCount("SELECT count(*) FROM session_feedback", 1, absl::Seconds(60)), 1);
}

TEST_F(PipelineTest, OverTheProjectRateIsResourceExhaustedWithRetryAfter) {
  GatewayOptions options = TestGatewayOptions(cluster_->bootstrap_servers());
  options.project_rate = {.bytes_per_second = 1000, .burst_bytes = 4000, .min_cost_bytes = 1000};
  const std::string target = RestartGateway(options);
  ASSERT_FALSE(target.empty());
  const std::string session_id = Initialize();
  grpc::StatusCode last = grpc::StatusCode::OK;
  std::string retry_after;
  for (uint64_t id = 1; id <= 10 && last == grpc::StatusCode::OK; ++id) {
    auto context = Context();
    v1::PushPayloadRequest request;
    request.set_session_id(session_id);
    request.set_payload_id(id);
    request.mutable_content()->set_events(std::string(900, 'x'));
    v1::PushPayloadResponse response;
    last = stub_->PushPayload(context.get(), request, &response).error_code();
    const auto& trailers = context->GetServerTrailingMetadata();
    auto it = trailers.find("retry-after-ms");
    if (it != trailers.end()) {
      retry_after.assign(it->second.data(), it->second.size());
      auto pushback = trailers.find("grpc-retry-pushback-ms");
      ASSERT_NE(pushback, trailers.end());
      EXPECT_EQ(std::string(pushback->second.data(), pushback->second.size()), retry_after);
    }
  }
  EXPECT_EQ(last, grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_FALSE(retry_after.empty());
  EXPECT_GT(std::atoi(retry_after.c_str()), 0);
}

// The gateway's pushback in gRPC's standard form: a stock retryPolicy (gRFC
// A6) with tiny backoffs waits the pushback instead, so the retried call
// finds the bucket refilled and succeeds. Without grpc-retry-pushback-ms its
// three attempts would all land within milliseconds and be refused.
TEST_F(PipelineTest, StockGrpcRetryPolicyHonoursThePushback) {
  GatewayOptions options = TestGatewayOptions(cluster_->bootstrap_servers());
  options.project_rate = {.bytes_per_second = 4000, .burst_bytes = 4000, .min_cost_bytes = 4000};
  const std::string target = RestartGateway(options);
  ASSERT_FALSE(target.empty());
  const std::string session_id = Initialize();  // spends the whole burst

  grpc::ChannelArguments args;
  args.SetServiceConfigJSON(R"json({"methodConfig": [{
      "name": [{"service": "ingest.v1.Ingest"}],
      "retryPolicy": {"maxAttempts": 3, "initialBackoff": "0.001s", "maxBackoff": "0.002s",
                      "backoffMultiplier": 2, "retryableStatusCodes": ["RESOURCE_EXHAUSTED"]}}]})json");
  stub_ = v1::Ingest::NewStub(
      grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args));
  const absl::Time start = absl::Now();
  const grpc::Status status = Push(session_id, 1, "[]");
  EXPECT_TRUE(status.ok()) << status.error_code() << ": " << status.error_message();
  // The refill took most of a second: the retry waited for the pushback.
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(500));
}

TEST_F(PipelineTest, ShutdownLetsCallsWaitingForKafkaFinishOk) {
  constexpr int kCalls = 16;
  std::vector<grpc::StatusCode> codes(kCalls, grpc::StatusCode::UNKNOWN);
  std::vector<std::thread> callers;
  std::vector<std::string> sessions;
  for (int i = 0; i < kCalls; ++i) sessions.push_back(Initialize());
  // Acknowledgements now take ~1.5 s: calls are in flight during shutdown.
  rd_kafka_mock_broker_set_rtt(cluster_->handle(), 1, 1500);
  for (int i = 0; i < kCalls; ++i) {
    callers.emplace_back([&, i] { codes[i] = Push(sessions[i], 1, "x").error_code(); });
  }
  // Shut down once every call is inside the gateway, waiting for Kafka.
  const absl::Time reach_deadline = absl::Now() + absl::Seconds(10);
  while (gateway_->in_flight_requests() < kCalls && absl::Now() < reach_deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_EQ(gateway_->in_flight_requests(), kCalls);
  const absl::Time start = absl::Now();
  gateway_.reset();  // Shutdown and destruction, as main() does on SIGTERM
  for (auto& caller : callers) caller.join();
  rd_kafka_mock_broker_set_rtt(cluster_->handle(), 1, 0);
  for (int i = 0; i < kCalls; ++i) EXPECT_EQ(codes[i], grpc::StatusCode::OK) << "call " << i;
  EXPECT_LT(absl::Now() - start, absl::Seconds(15));
}

TEST_F(PipelineTest, InvalidRequestsAreRefusedWithInvalidArgument) {
  EXPECT_EQ(Push("", 1, "x").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Push("not-a-session", 1, "x").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  const std::string session_id = Initialize();
  EXPECT_EQ(Push(session_id, 0, "x").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(PipelineTest, KafkaDownMeansUnavailableNeverOk) {
  const std::string session_id = Initialize();
  GatewayOptions options = TestGatewayOptions(cluster_->bootstrap_servers());
  options.producer.delivery_timeout = absl::Seconds(2);
  const std::string target = RestartGateway(options);
  ASSERT_FALSE(target.empty());
  rd_kafka_mock_broker_set_down(cluster_->handle(), 1);
  const absl::Time start = absl::Now();
  grpc::Status status = Push(session_id, 1, "x");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  rd_kafka_mock_broker_set_up(cluster_->handle(), 1);
}

}  // namespace
}  // namespace ingest
