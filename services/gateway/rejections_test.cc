// Rejections: every refused call is counted, and logged with its peer,
// project and reason at a bounded rate, without secrets.

#include "services/gateway/rejections.h"

#include <grpcpp/grpcpp.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "ingest/v1/ingest.grpc.pb.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"
#include "services/gateway/gateway_server.h"
#include "services/gateway/testing/recording_producer.h"
#include "services/gateway/testing/test_gateway_options.h"

namespace ingest {
namespace {

std::vector<std::string> RejectionLines(const std::string& captured) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(captured, '\n')) {
    if (absl::StrContains(line, "gateway.rejected")) lines.emplace_back(line);
  }
  return lines;
}

TEST(RejectionsTest, CountsEveryRejectionAndLogsAtMostTheLimitWithTheSuppressedCount) {
  prometheus::Registry registry;
  GatewayMetrics metrics(registry);
  absl::Time now = absl::FromUnixSeconds(1'000'000);
  Rejections rejections(metrics, {.max_lines = 2, .window = absl::Seconds(1)}, [&] { return now; });
  const absl::Status refused = absl::ResourceExhaustedError("project p1 is over its ingest rate");

  testing::internal::CaptureStderr();
  for (int i = 0; i < 10; ++i) rejections.Record("rate_limit", "PushPayload", "10.1.2.3", "p1", refused);
  now += absl::Seconds(1);
  rejections.Record("rate_limit", "PushPayload", "10.1.2.4", "p1", refused);
  const std::vector<std::string> lines = RejectionLines(testing::internal::GetCapturedStderr());

  ASSERT_EQ(lines.size(), 3u) << absl::StrJoin(lines, "\n");
  EXPECT_TRUE(absl::StrContains(lines[0], "rpc=PushPayload reason=rate_limit peer=10.1.2.3 "
                                          "project=p1 code=RESOURCE_EXHAUSTED"))
      << lines[0];
  EXPECT_TRUE(absl::StrContains(lines[0], "over its ingest rate")) << lines[0];
  EXPECT_TRUE(absl::StrContains(lines[0], "suppressed=0")) << lines[0];
  EXPECT_TRUE(absl::StrContains(lines[2], "peer=10.1.2.4")) << lines[2];
  EXPECT_TRUE(absl::StrContains(lines[2], "suppressed=8")) << lines[2];
  const std::string scraped = prometheus::TextSerializer().Serialize(registry.Collect());
  EXPECT_TRUE(absl::StrContains(scraped, "ingest_gateway_rejected_total{reason=\"rate_limit\"} 11"))
      << scraped;
}

TEST(RejectionsTest, ReasonOfAFailedAuthentication) {
  EXPECT_EQ(Rejections::ReasonOfAuthentication(absl::UnauthenticatedError("x")), "unauthenticated");
  EXPECT_EQ(Rejections::ReasonOfAuthentication(absl::PermissionDeniedError("disabled")),
            "key_disabled");
}

TEST(RejectionsTest, ReasonOfAValidationFailure) {
  EXPECT_EQ(Rejections::ReasonOf(absl::PermissionDeniedError("x")), "permission_denied");
  EXPECT_EQ(Rejections::ReasonOf(absl::InvalidArgumentError("x")), "invalid_argument");
}

// Through a real gateway (in-process gRPC, recording producer).

constexpr char kApiKey[] = "sk_rejections_test_0123456789";
constexpr char kSessionSecret[] = "rejections-test-secret-0123456789";

class GatewayRejectionLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    GatewayOptions options = TestGatewayOptions("rej-project", kApiKey, kSessionSecret);
    auto server = GatewayServer::Start(options, std::make_unique<RecordingProducer>());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = v1::Ingest::NewStub(grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                                    grpc::InsecureChannelCredentials()));
  }

  std::unique_ptr<grpc::ClientContext> Context(const std::string& key) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    context->AddMetadata("authorization", absl::StrCat("Bearer ", key));
    return context;
  }

  std::unique_ptr<GatewayServer> server_;
  std::unique_ptr<v1::Ingest::Stub> stub_;
};

TEST_F(GatewayRejectionLogTest, AnUnknownApiKeyIsLoggedWithThePeerAndWithoutTheKey) {
  const std::string wrong_key = "sk_not_a_key_of_ours_987654321";
  testing::internal::CaptureStderr();
  v1::PushPayloadRequest request;
  request.set_session_id("whatever");
  v1::PushPayloadResponse response;
  const grpc::Status status = stub_->PushPayload(Context(wrong_key).get(), request, &response);
  const std::string captured = testing::internal::GetCapturedStderr();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  const std::vector<std::string> lines = RejectionLines(captured);
  ASSERT_EQ(lines.size(), 1u) << captured;
  EXPECT_TRUE(absl::StrContains(lines[0], "rpc=PushPayload reason=unauthenticated "
                                          "peer=127.0.0.1 project=\"\" code=UNAUTHENTICATED"))
      << lines[0];
  EXPECT_FALSE(absl::StrContains(captured, wrong_key)) << captured;
}

TEST_F(GatewayRejectionLogTest, AForgedSessionIdIsLoggedWithTheProject) {
  v1::InitializeSessionResponse session;
  ASSERT_TRUE(stub_->InitializeSession(Context(kApiKey).get(), {}, &session).ok());
  std::string forged = session.session_id();
  forged.back() = forged.back() == '0' ? '1' : '0';  // a tag this deployment did not sign

  testing::internal::CaptureStderr();
  v1::IdentifySessionRequest request;
  request.set_session_id(forged);
  request.set_user_identifier("user-1");
  v1::IdentifySessionResponse response;
  const grpc::Status status = stub_->IdentifySession(Context(kApiKey).get(), request, &response);
  const std::string captured = testing::internal::GetCapturedStderr();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
  const std::vector<std::string> lines = RejectionLines(captured);
  ASSERT_EQ(lines.size(), 1u) << captured;
  EXPECT_TRUE(absl::StrContains(lines[0], "rpc=IdentifySession reason=permission_denied "
                                          "peer=127.0.0.1 project=rej-project "
                                          "code=PERMISSION_DENIED"))
      << lines[0];
  EXPECT_FALSE(absl::StrContains(captured, kApiKey)) << captured;
  EXPECT_FALSE(absl::StrContains(captured, kSessionSecret)) << captured;
}

TEST_F(GatewayRejectionLogTest, AStreamWithoutItsHeaderIsLoggedAsInvalidArgument) {
  testing::internal::CaptureStderr();
  auto context = Context(kApiKey);
  v1::PushPayloadStreamResponse response;
  auto writer = stub_->PushPayloadStream(context.get(), &response);
  v1::PushPayloadStreamRequest chunk;
  chunk.set_chunk("no header first");
  writer->Write(chunk);
  writer->WritesDone();
  const grpc::Status status = writer->Finish();
  const std::string captured = testing::internal::GetCapturedStderr();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  const std::vector<std::string> lines = RejectionLines(captured);
  ASSERT_EQ(lines.size(), 1u) << captured;
  EXPECT_TRUE(absl::StrContains(lines[0], "rpc=PushPayloadStream reason=invalid_argument "
                                          "peer=127.0.0.1 project=rej-project"))
      << lines[0];
}

}  // namespace
}  // namespace ingest
