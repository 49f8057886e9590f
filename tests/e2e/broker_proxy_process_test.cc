// The real broker_proxy binary against the mock_kafka process: health,
// authentication, DescribeTopic of a topic the mock created, ListDeadLetters
// of an empty topic, GetSession, EraseSessions and EnforceRetention without
// a database, SIGTERM.

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "ingest/v1/admin.grpc.pb.h"
#include "tests/testing/child_process.h"

namespace ingest {
namespace {

constexpr char kToken[] = "operator-process-test-0123456789";

class BrokerProxyProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto mock = StartMockKafka({"--partitions=3"}, TestTempPath("mock_kafka"));
    ASSERT_TRUE(mock.ok()) << mock.status();
    mock_.emplace(std::move(mock->process));
    const std::string tokens = WriteTestTempFile("tokens", absl::StrCat(kToken, "\n"));
    auto proxy = StartService(
        {RunfilePath("services/broker_proxy/broker_proxy"), "--grpc_address=127.0.0.1:0",
         "--metrics_address=127.0.0.1:0", "--kafka_bootstrap=" + mock->address,
         "--operator_token_file=" + tokens, "--pg_dsn=", "--admin_timeout=5s",
         "--admin_api=basic",
         "--shutdown_grace=5s"},
        TestTempPath("broker_proxy"), "broker_proxy.started");
    ASSERT_TRUE(proxy.ok()) << proxy.status();
    proxy_.emplace(std::move(proxy->process));
    auto channel = grpc::CreateChannel(proxy->address, grpc::InsecureChannelCredentials());
    stub_ = v1::BrokerProxy::NewStub(channel);
    health_ = grpc::health::v1::Health::NewStub(channel);
  }

  std::unique_ptr<grpc::ClientContext> Context(bool with_token = true) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
    if (with_token) context->AddMetadata("authorization", absl::StrCat("Bearer ", kToken));
    return context;
  }

  std::optional<ChildProcess> mock_;
  std::optional<ChildProcess> proxy_;
  std::unique_ptr<v1::BrokerProxy::Stub> stub_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_;
};

TEST_F(BrokerProxyProcessTest, ServesAuthenticatesDescribesAndStopsOnSigterm) {
  grpc::health::v1::HealthCheckResponse health;
  grpc::Status status = health_->Check(Context(false).get(), {}, &health);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(health.status(), grpc::health::v1::HealthCheckResponse::SERVING);

  v1::DescribeTopicResponse response;
  EXPECT_EQ(stub_->DescribeTopic(Context(false).get(), {}, &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  status = stub_->DescribeTopic(Context().get(), {}, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.topic().name(), "ingest.tasks");
  EXPECT_EQ(response.topic().partitions_size(), 3);
  EXPECT_EQ(response.topic().replication_factor(), 1);
  for (const auto& partition : response.topic().partitions()) {
    EXPECT_EQ(partition.leader(), 1);
    EXPECT_EQ(partition.high_watermark(), 0);
  }

  v1::GetConsumerLagResponse lag;
  status = stub_->GetConsumerLag(Context().get(), {}, &lag);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(lag.partitions_size(), 3);
  EXPECT_EQ(lag.total_lag(), 0);
  EXPECT_EQ(lag.group_state().rfind("Unknown", 0), 0u) << "the mock cannot describe groups";
  status = stub_->GetConsumerLag(Context().get(), {}, &lag);
  EXPECT_TRUE(status.ok()) << "a second call is answered too: " << status.error_message();

  // ScanTopic for real: an empty topic reads to its end at once.
  v1::ListDeadLettersRequest list;
  list.set_topic("ingest.tasks");
  v1::ListDeadLettersResponse letters;
  status = stub_->ListDeadLetters(Context().get(), list, &letters);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(letters.letters_size(), 0);
  EXPECT_EQ(letters.next_page_token(), "");
  list.set_page_token("not-a-token!");
  EXPECT_EQ(stub_->ListDeadLetters(Context().get(), list, &letters).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  v1::GetSessionRequest session;
  session.set_session_id("demo-project.s1");
  v1::GetSessionResponse session_response;
  status = stub_->GetSession(Context().get(), session, &session_response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(status.error_message().find("started without --pg_dsn"), std::string::npos)
      << status.error_message();

  // Erasure and retention need the database too.
  v1::EraseSessionsRequest erase;
  erase.add_session_ids("demo-project.s1");
  v1::EraseSessionsResponse erased;
  status = stub_->EraseSessions(Context().get(), erase, &erased);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(status.error_message().find("--pg_dsn"), std::string::npos) << status.error_message();
  v1::EnforceRetentionResponse enforced;
  status = stub_->EnforceRetention(Context().get(), {}, &enforced);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);

  EXPECT_EQ(proxy_->Stop(SIGTERM, absl::Seconds(15)), std::optional<int>(0));
}

}  // namespace
}  // namespace ingest
