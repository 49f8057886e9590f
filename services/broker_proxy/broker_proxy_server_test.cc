// The whole server in-process with a fake Kafka: auth, health, calls
// through to the core with their status codes, the operator's name in what
// erasure and retention record, their metrics, the producer flushed on
// shutdown.

#include "services/broker_proxy/broker_proxy_server.h"

#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "ingest/v1/admin.grpc.pb.h"
#include "services/broker_proxy/fake_dead_letter_source.h"
#include "services/broker_proxy/fake_kafka_admin.h"
#include "services/broker_proxy/fake_producer.h"
#include "services/broker_proxy/fake_quarantine_store.h"
#include "services/broker_proxy/fake_retention_database.h"
#include "services/broker_proxy/fake_session_database.h"
#include "services/common/health/https_get.h"
#include "tests/testing/http_get.h"
#include "tests/testing/polling.h"
#include "tests/testing/test_pki.h"

namespace ingest {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kToken[] = "operator-token-0123456789";

class BrokerProxyServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    const std::string path = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/operator_tokens");
    std::ofstream(path, std::ios::trunc) << kToken << " alice\n";
    tokens_file_ = path;
    BrokerProxyOptions options;
    options.kafka_bootstrap = "unused:9092";
    options.operator_token_file = path;
    options.shutdown_grace = absl::Seconds(2);
    options.secrets_reload_interval = absl::Milliseconds(50);
    options.health_address = "127.0.0.1:0";
    auto admin = std::make_unique<FakeKafkaAdmin>();
    admin->AddTopic("ingest.tasks", 2, 1,
                    {{"cleanup.policy", "delete"}, {"min.insync.replicas", "1"},
                     {"retention.ms", "-1"}, {"max.message.bytes", "16777216"}});
    auto quarantines = std::make_unique<FakeQuarantineStore>();
    quarantines->Put("ingest.tasks", "p.quarantined",
                     Quarantine{.partition = 1, .first_offset = 0});
    auto producer = std::make_unique<FakeProducer>();
    producer_ = producer.get();
    auto sessions = std::make_unique<FakeSessionDatabase>();
    for (int i = 1; i <= 3; ++i) {
      SessionListEntry entry;
      entry.session_id = absl::StrCat("p.s", i);
      entry.project_id = "p";
      entry.lifecycle = "live";
      entry.created_at = absl::FromUnixSeconds(1767225600 + i);
      sessions->AddListEntry(entry);
    }
    auto retention = std::make_unique<FakeRetentionDatabase>();
    retention_ = retention.get();
    retention_->SetLastEnforcement(std::optional<absl::Time>(absl::FromUnixSeconds(1767225600)));
    auto server = BrokerProxyServer::Start(
        options, std::move(admin), /*database=*/nullptr, std::make_unique<FakeDeadLetterSource>(),
        std::move(sessions), std::move(quarantines), std::move(producer), std::move(retention));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(server).value();
    auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                       grpc::InsecureChannelCredentials());
    stub_ = v1::BrokerProxy::NewStub(channel);
    health_ = grpc::health::v1::Health::NewStub(channel);
  }

  std::unique_ptr<grpc::ClientContext> Context(const std::string& token = kToken) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    if (!token.empty()) context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
    return context;
  }

  grpc::StatusCode Describe(const std::string& token) {
    v1::DescribeTopicResponse response;
    return stub_->DescribeTopic(Context(token).get(), {}, &response).error_code();
  }

  std::string Metrics() { return HttpGet(server_->metrics_port(), "/metrics"); }

  std::string tokens_file_;
  FakeProducer* producer_ = nullptr;            // owned by server_
  FakeRetentionDatabase* retention_ = nullptr;  // owned by server_
  std::unique_ptr<BrokerProxyServer> server_;
  std::unique_ptr<v1::BrokerProxy::Stub> stub_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_;
};

TEST_F(BrokerProxyServerTest, HealthIsServingWithoutAToken) {
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = health_->Check(Context("").get(), {}, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_F(BrokerProxyServerTest, CallsWithoutAKnownTokenAreUnauthenticated) {
  v1::DescribeTopicResponse response;
  EXPECT_EQ(stub_->DescribeTopic(Context("").get(), {}, &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(stub_->DescribeTopic(Context("operator-token-wrong-0000").get(), {}, &response)
                .error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  v1::GetSessionResponse session;
  EXPECT_EQ(stub_->GetSession(Context("").get(), {}, &session).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  v1::ListSessionsResponse sessions;
  EXPECT_EQ(stub_->ListSessions(Context("").get(), {}, &sessions).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

// A rotated tokens file (a Secret updated in place) takes effect without a
// restart; one that does not parse keeps the tokens in force.
TEST_F(BrokerProxyServerTest, RotatedTokensTakeEffectWithoutARestart) {
  const std::string rotated = "operator-token-rotated-9876543210";
  const auto replace = [&](const std::string& contents) {
    std::ofstream(tokens_file_ + ".tmp", std::ios::trunc) << contents;
    std::filesystem::rename(tokens_file_ + ".tmp", tokens_file_);
  };
  ASSERT_EQ(Describe(rotated), grpc::StatusCode::UNAUTHENTICATED);
  replace(absl::StrCat(rotated, "\n"));
  EXPECT_TRUE(
      WaitUntil(absl::Seconds(30), [&] { return Describe(rotated) != grpc::UNAUTHENTICATED; }));
  EXPECT_EQ(Describe(kToken), grpc::StatusCode::UNAUTHENTICATED) << "the old token is revoked";
  replace("short\n");  // not a valid tokens file
  EXPECT_TRUE(WaitUntil(absl::Seconds(30), [&] {
    return absl::StrContains(HttpGet(server_->metrics_port(), "/metrics"),
                             "ingest_broker_proxy_secret_reloads_total{result=\"refused\"} 1");
  }));
  EXPECT_NE(Describe(rotated), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(BrokerProxyServerTest, ListsSessionsPageByPage) {
  v1::ListSessionsRequest request;
  request.set_limit(2);
  v1::ListSessionsResponse first;
  grpc::Status status = stub_->ListSessions(Context().get(), request, &first);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(first.sessions_size(), 2);
  EXPECT_EQ(first.sessions(0).session_id(), "p.s3");
  EXPECT_EQ(first.sessions(0).created_unix_ms(), 1767225603000);
  ASSERT_NE(first.next_page_token(), "");

  request.set_page_token(first.next_page_token());
  v1::ListSessionsResponse second;
  status = stub_->ListSessions(Context().get(), request, &second);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(second.sessions_size(), 1);
  EXPECT_EQ(second.sessions(0).session_id(), "p.s1");
  EXPECT_EQ(second.next_page_token(), "");

  request.set_page_token("forged");
  status = stub_->ListSessions(Context().get(), request, &second);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("page_token"));
}

TEST_F(BrokerProxyServerTest, DescribesATopic) {
  v1::DescribeTopicResponse response;
  grpc::Status status = stub_->DescribeTopic(Context().get(), {}, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.topic().name(), "ingest.tasks");
  EXPECT_EQ(response.topic().partitions_size(), 2);
  EXPECT_EQ(response.topic().unsafe_size(), 0);
}

TEST_F(BrokerProxyServerTest, CoreErrorsKeepTheirCodeAndMessage) {
  v1::DescribeTopicRequest request;
  request.set_name("missing");
  v1::DescribeTopicResponse response;
  grpc::Status status = stub_->DescribeTopic(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("EnsureTopics"));
}

TEST_F(BrokerProxyServerTest, RedriveWithoutTheDatabaseIsUnavailable) {
  v1::RedriveSessionRequest request;
  request.set_session_id("p.quarantined");
  v1::RedriveSessionResponse response;
  grpc::Status status = stub_->RedriveSession(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(), HasSubstr("--pg_dsn"));
  request.set_session_id("bad id!");
  EXPECT_EQ(stub_->RedriveSession(Context().get(), request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(BrokerProxyServerTest, ReplayOfAQuarantinedSessionIsRefused) {
  v1::ReplaySessionRequest request;
  request.set_session_id("p.quarantined");
  v1::ReplaySessionResponse response;
  grpc::Status status = stub_->ReplaySession(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("redrive it instead"));
  EXPECT_THAT(producer_->records(), ::testing::IsEmpty());
}

TEST_F(BrokerProxyServerTest, ResetOffsetsWithoutATargetIsInvalid) {
  v1::ResetOffsetsResponse response;
  grpc::Status status = stub_->ResetOffsets(Context().get(), {}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(BrokerProxyServerTest, ErasesAsTheTokensNameAndCountsIt) {
  ErasureResult result;
  result.sessions = {{"p.s1", "p", 4, 100}};
  result.rows = 4;
  retention_->SetErasure(result);
  v1::EraseSessionsRequest request;
  request.add_session_ids("p.s1");
  v1::EraseSessionsResponse response;
  grpc::Status status = stub_->EraseSessions(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.erasure_id(), 1);
  ASSERT_EQ(retention_->erasures().size(), 1u);
  EXPECT_EQ(retention_->erasures()[0].requested_by, "alice");
  EXPECT_THAT(Metrics(), HasSubstr("ingest_broker_proxy_sessions_erased_total 1"));

  EXPECT_EQ(stub_->EraseSessions(Context().get(), {}, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(stub_->EraseSessions(Context("").get(), request, &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(retention_->erasures().size(), 1u);
}

// The last success comes from the database at start (a restart keeps it),
// then from each run; the counters say what runs removed.
TEST_F(BrokerProxyServerTest, EnforcesRetentionAndExportsWhenItLastSucceeded) {
  EXPECT_TRUE(WaitUntil(absl::Seconds(30), [&] {
    return absl::StrContains(
        Metrics(), "ingest_broker_proxy_retention_last_success_timestamp_seconds 1767225600");
  }));
  EnforcementReport report;
  report.today = absl::CivilDay(2026, 3, 10);
  report.partitions = {
      {"session_payloads", "session_payloads_p20260308", absl::CivilDay(2026, 3, 8), 8192}};
  report.bytes_dropped = 8192;
  report.sessions_deleted = 2;
  report.rows_deleted = 7;
  retention_->SetReport(report);

  v1::EnforceRetentionResponse response;
  grpc::Status status = stub_->EnforceRetention(Context().get(), {}, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.today(), "2026-03-10");
  EXPECT_EQ(response.partitions(0).day(), "2026-03-08");
  EXPECT_EQ(response.run_id(), 1);
  ASSERT_EQ(retention_->enforcements().size(), 1u);
  EXPECT_EQ(retention_->enforcements()[0].requested_by, "alice");
  EXPECT_EQ(retention_->enforcements()[0].legacy_retention_days, 30);
  const std::string metrics = Metrics();
  EXPECT_THAT(metrics, HasSubstr("ingest_broker_proxy_retention_partitions_dropped_total 1"));
  EXPECT_THAT(metrics, HasSubstr("ingest_broker_proxy_retention_bytes_dropped_total 8192"));
  EXPECT_THAT(metrics, HasSubstr("ingest_broker_proxy_retention_sessions_deleted_total 2"));
  EXPECT_THAT(metrics, HasSubstr("ingest_broker_proxy_retention_rows_deleted_total 7"));
  EXPECT_THAT(
      metrics,
      Not(HasSubstr("ingest_broker_proxy_retention_last_success_timestamp_seconds 1767225600")));
  EXPECT_EQ(retention_->last_enforcement_reads(), 1);
}

TEST_F(BrokerProxyServerTest, ShutdownFlushesTheProducerAndIsIdempotent) {
  server_->Shutdown();
  server_->Shutdown();
  EXPECT_EQ(producer_->flushes(), 1);
}

// The HTTP probe port (--health_address): /readyz says what the gRPC health
// service says, /livez answers while the process runs.
TEST_F(BrokerProxyServerTest, TheProbePortIsReadyUntilShutdown) {
  const int health_port = server_->health_port();
  ASSERT_GT(health_port, 0);
  EXPECT_TRUE(IsOk(HttpGet(health_port, "/readyz")));
  EXPECT_TRUE(IsOk(HttpGet(health_port, "/livez")));

  server_->Shutdown();
  const std::string response = HttpGet(health_port, "/readyz");
  EXPECT_THAT(response, ::testing::StartsWith("HTTP/1.1 503"));
  EXPECT_THAT(response, ::testing::EndsWith("\r\n\r\nNOT_SERVING: draining\n"));
  EXPECT_TRUE(IsOk(HttpGet(health_port, "/livez")));
}

// An unreachable database at start leaves the last success at 0; each
// scrape asks again, so it shows once the database answers.
TEST(BrokerProxyRetentionMetricTest, AnUnreadableLastSuccessIsReadAgainAtTheNextScrape) {
  const std::string tokens = absl::StrCat(std::getenv("TEST_TMPDIR"), "/scrape_tokens");
  std::ofstream(tokens, std::ios::trunc) << kToken << "\n";
  BrokerProxyOptions options;
  options.kafka_bootstrap = "unused:9092";
  options.operator_token_file = tokens;
  auto retention = std::make_unique<FakeRetentionDatabase>();
  FakeRetentionDatabase* database = retention.get();
  database->SetLastEnforcement(absl::UnavailableError("PostgreSQL: connection refused"));
  auto server = BrokerProxyServer::Start(
      options, std::make_unique<FakeKafkaAdmin>(), /*database=*/nullptr,
      std::make_unique<FakeDeadLetterSource>(), /*sessions=*/nullptr, /*quarantines=*/nullptr,
      std::make_unique<FakeProducer>(), std::move(retention));
  ASSERT_TRUE(server.ok()) << server.status();
  const auto metrics = [&] { return HttpGet((*server)->metrics_port(), "/metrics"); };
  ASSERT_TRUE(
      WaitUntil(absl::Seconds(30), [&] { return database->last_enforcement_reads() >= 1; }));
  EXPECT_THAT(metrics(),
              HasSubstr("ingest_broker_proxy_retention_last_success_timestamp_seconds 0"));

  database->SetLastEnforcement(std::optional<absl::Time>(absl::FromUnixSeconds(1767225600)));
  EXPECT_TRUE(WaitUntil(absl::Seconds(30), [&] {
    return absl::StrContains(
        metrics(), "ingest_broker_proxy_retention_last_success_timestamp_seconds 1767225600");
  }));
}

TEST(BrokerProxyOptionsTest, RetentionFlagsOutOfRangeAreRefusedNamingTheFlag) {
  BrokerProxyOptions options;
  options.kafka_bootstrap = "unused:9092";
  options.operator_token_file = "/unused";
  EXPECT_TRUE(ValidateBrokerProxyOptions(options).ok());
  options.retention.legacy_retention_days = 0;
  absl::Status status = ValidateBrokerProxyOptions(options);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("--legacy_retention_days must be 1 to 3650"));
  options.retention.legacy_retention_days = 30;
  options.retention.lock_timeout = absl::ZeroDuration();
  EXPECT_THAT(ValidateBrokerProxyOptions(options).message(), HasSubstr("--retention_lock_timeout"));
}

// With mutual TLS on the gRPC port, the probe port is HTTPS with the same
// certificate and asks no client certificate (the kubelet has none).
TEST(BrokerProxyProbeTlsTest, WithMutualTlsTheProbePortIsHttpsWithoutAClientCertificate) {
  const std::string tokens = absl::StrCat(std::getenv("TEST_TMPDIR"), "/probe_tokens");
  std::ofstream(tokens, std::ios::trunc) << kToken << "\n";
  BrokerProxyOptions options;
  options.kafka_bootstrap = "unused:9092";
  options.operator_token_file = tokens;
  options.health_address = "127.0.0.1:0";
  options.tls = TlsFiles{.cert_file = TestPkiFile("server.crt"),
                         .key_file = TestPkiFile("server.key"),
                         .client_ca_file = TestPkiFile("ca.crt")};
  auto server = BrokerProxyServer::Start(
      options, std::make_unique<FakeKafkaAdmin>(),
      /*database=*/nullptr, std::make_unique<FakeDeadLetterSource>(),
      /*sessions=*/nullptr, /*quarantines=*/nullptr, std::make_unique<FakeProducer>());
  ASSERT_TRUE(server.ok()) << server.status();
  absl::StatusOr<HttpsResponse> ready =
      HttpsGet((*server)->health_port(), "/readyz", TestPkiFile("ca.crt"));
  ASSERT_TRUE(ready.ok()) << ready.status();
  EXPECT_EQ(ready->status, 200);
  EXPECT_EQ(ready->body, "ok\n");
}

}  // namespace
}  // namespace ingest
