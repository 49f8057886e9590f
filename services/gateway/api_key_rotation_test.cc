// A rotated API keys file (a Kubernetes Secret updated in place) takes effect
// in a running gateway: a new key works and a revoked one is refused within
// --secrets_reload_interval, a file that does not parse keeps the keys in
// force, and no key ever reaches a log line, an error or /metrics.

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ingest/v1/ingest.grpc.pb.h"
#include "services/gateway/gateway_server.h"
#include "services/gateway/testing/recording_producer.h"
#include "services/gateway/testing/test_gateway_options.h"
#include "tests/testing/http_get.h"
#include "tests/testing/polling.h"

namespace ingest {
namespace {

constexpr char kOldKey[] = "sk_rotation_old_0123456789abcdef";
constexpr char kNewKey[] = "sk_rotation_new_fedcba9876543210";
constexpr char kBrokenLine[] = "rot-project sk_rotation_broken_line_key_000 extra-field";

// Replaces the file atomically (a new inode), as a Secret volume does.
void Replace(const std::string& path, const std::string& contents) {
  std::ofstream(path + ".tmp", std::ios::trunc) << contents;
  std::filesystem::rename(path + ".tmp", path);
}

class ApiKeyRotationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    GatewayOptions options =
        TestGatewayOptions("rot-project", kOldKey, "rotation-secret-0123456789");
    options.secrets_reload_interval = absl::Milliseconds(50);
    keys_file_ = options.api_keys_file;
    auto server = GatewayServer::Start(options, std::make_unique<RecordingProducer>());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = v1::Ingest::NewStub(grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                                    grpc::InsecureChannelCredentials()));
  }

  grpc::StatusCode Initialize(const std::string& key) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    context.AddMetadata("authorization", absl::StrCat("Bearer ", key));
    v1::InitializeSessionResponse response;
    return stub_->InitializeSession(&context, {}, &response).error_code();
  }

  std::string keys_file_;
  std::unique_ptr<GatewayServer> server_;
  std::unique_ptr<v1::Ingest::Stub> stub_;
};

TEST_F(ApiKeyRotationTest, ANewKeyWorksAndTheRevokedOneIsRefusedWithoutARestart) {
  testing::internal::CaptureStderr();
  ASSERT_EQ(Initialize(kOldKey), grpc::StatusCode::OK);
  EXPECT_EQ(Initialize(kNewKey), grpc::StatusCode::UNAUTHENTICATED);

  // Both keys during the rotation, then only the new one.
  Replace(keys_file_, absl::StrCat("rot-project ", kOldKey, "\nrot-project ", kNewKey, "\n"));
  EXPECT_TRUE(WaitUntil(absl::Seconds(30), [&] { return Initialize(kNewKey) == grpc::OK; }));
  EXPECT_EQ(Initialize(kOldKey), grpc::StatusCode::OK);
  Replace(keys_file_, absl::StrCat("rot-project ", kNewKey, "\n"));
  EXPECT_TRUE(
      WaitUntil(absl::Seconds(30), [&] { return Initialize(kOldKey) == grpc::UNAUTHENTICATED; }));
  EXPECT_EQ(Initialize(kNewKey), grpc::StatusCode::OK);

  // A file that does not parse: the keys in force stay; it is counted and logged.
  Replace(keys_file_, absl::StrCat(kBrokenLine, "\n"));
  EXPECT_TRUE(WaitUntil(absl::Seconds(30), [&] {
    return absl::StrContains(HttpGet(server_->metrics_port(), "/metrics"),
                             "ingest_gateway_secret_reloads_total{result=\"refused\"} 1");
  }));
  EXPECT_EQ(Initialize(kNewKey), grpc::StatusCode::OK);
  const std::string logged = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(absl::StrContains(logged, "secrets.reload_refused")) << logged;

  const std::string metrics = HttpGet(server_->metrics_port(), "/metrics");
  EXPECT_TRUE(
      absl::StrContains(metrics, "ingest_gateway_secret_reloads_total{result=\"applied\"} 2"))
      << metrics;
  for (const char* secret : {kOldKey, kNewKey, "sk_rotation_broken_line_key_000"}) {
    EXPECT_FALSE(absl::StrContains(logged, secret)) << logged;
    EXPECT_FALSE(absl::StrContains(metrics, secret));
  }
}

}  // namespace
}  // namespace ingest
