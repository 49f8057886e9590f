// The gateway's HTTP probe port (--health_address): /readyz says what the
// gRPC health service says (Kafka unreachable, serving, draining), /livez
// answers while the process runs, and with TLS the port is HTTPS with the
// gateway's own certificate.

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "services/common/health/https_get.h"
#include "services/common/kafka/producer.h"
#include "services/gateway/gateway_server.h"
#include "services/gateway/testing/recording_producer.h"
#include "services/gateway/testing/test_gateway_options.h"
#include "tests/testing/http_get.h"
#include "tests/testing/polling.h"
#include "tests/testing/test_pki.h"

namespace ingest {
namespace {

using grpc::health::v1::HealthCheckResponse;
using ::testing::HasSubstr;

constexpr absl::Duration kDeadline = absl::Seconds(20);

// Kafka as reachable as the test says; these tests produce nothing.
class SwitchableProducer : public Producer {
 public:
  explicit SwitchableProducer(std::shared_ptr<std::atomic<bool>> reachable)
      : reachable_(std::move(reachable)) {}
  absl::Status Produce(absl::string_view, std::string, std::string, DeliveryCallback) override {
    return absl::UnavailableError("not in this test");
  }
  absl::Status Flush(absl::Duration) override { return absl::OkStatus(); }
  absl::Status CheckReachable(absl::string_view, absl::Duration) override {
    return reachable_->load() ? absl::OkStatus() : absl::UnavailableError("no broker");
  }

 private:
  const std::shared_ptr<std::atomic<bool>> reachable_;
};

GatewayOptions Options() {
  GatewayOptions options =
      TestGatewayOptions("health-project", "sk_health_test_0123456789abcdef", "health-secret-0123");
  options.health_address = "127.0.0.1:0";
  options.health_interval = absl::Milliseconds(50);
  return options;
}

// The body of a response, after its head.
std::string Body(const std::string& response) {
  const size_t end = response.find("\r\n\r\n");
  return end == std::string::npos ? "" : response.substr(end + 4);
}

HealthCheckResponse::ServingStatus GrpcHealth(int port) {
  auto health = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  HealthCheckResponse response;
  const grpc::Status status = health->Check(&context, {}, &response);
  return status.ok() ? response.status() : HealthCheckResponse::UNKNOWN;
}

TEST(GatewayHealthPortTest, ReadyzSaysWhatTheGrpcHealthServiceSays) {
  auto reachable = std::make_shared<std::atomic<bool>>(false);
  GatewayOptions options = Options();
  options.shutdown_delay = absl::Seconds(3);  // long enough to look at the drain
  auto server = GatewayServer::Start(options, std::make_unique<SwitchableProducer>(reachable));
  ASSERT_TRUE(server.ok()) << server.status();
  const int health_port = (*server)->health_port();
  ASSERT_GT(health_port, 0);

  // Kafka not answering yet: NOT_SERVING on both, from the first check on.
  std::string response;
  EXPECT_TRUE(WaitUntil(kDeadline, [&] {
    response = HttpGet(health_port, "/readyz");
    return Body(response) == "NOT_SERVING: Kafka unreachable\n";
  })) << response;
  EXPECT_THAT(response, ::testing::StartsWith("HTTP/1.1 503"));
  EXPECT_EQ(GrpcHealth((*server)->port()), HealthCheckResponse::NOT_SERVING);
  EXPECT_TRUE(IsOk(HttpGet(health_port, "/livez")));

  reachable->store(true);
  EXPECT_TRUE(WaitUntil(kDeadline, [&] { return IsOk(HttpGet(health_port, "/readyz")); }));
  EXPECT_EQ(GrpcHealth((*server)->port()), HealthCheckResponse::SERVING);

  // Draining: NOT_SERVING while calls are still served, the process alive.
  std::thread shutdown([&] { (*server)->Shutdown(); });
  EXPECT_TRUE(WaitUntil(kDeadline, [&] {
    return Body(HttpGet(health_port, "/readyz")) == "NOT_SERVING: draining\n";
  }));
  EXPECT_EQ(GrpcHealth((*server)->port()), HealthCheckResponse::NOT_SERVING);
  EXPECT_TRUE(IsOk(HttpGet(health_port, "/livez")));
  shutdown.join();
}

TEST(GatewayHealthPortTest, WithTlsTheProbePortIsHttpsWithTheGatewaysCertificate) {
  GatewayOptions options = Options();
  options.tls =
      TlsFiles{.cert_file = TestPkiFile("server.crt"), .key_file = TestPkiFile("server.key")};
  auto server = GatewayServer::Start(options, std::make_unique<RecordingProducer>());
  ASSERT_TRUE(server.ok()) << server.status();
  const int health_port = (*server)->health_port();
  EXPECT_TRUE(WaitUntil(kDeadline, [&] {
    absl::StatusOr<HttpsResponse> ready = HttpsGet(health_port, "/readyz", TestPkiFile("ca.crt"));
    return ready.ok() && ready->status == 200;
  }));
  absl::StatusOr<HttpsResponse> live = HttpsGet(health_port, "/livez", TestPkiFile("ca.crt"));
  ASSERT_TRUE(live.ok()) << live.status();
  EXPECT_EQ(live->status, 200);
  EXPECT_THAT(live->issuer, HasSubstr("session-ingest local ca"));
  EXPECT_FALSE(IsOk(HttpGet(health_port, "/livez"))) << "plain HTTP on the HTTPS port";
}

TEST(GatewayHealthPortTest, WithoutAnAddressThereIsNoProbePort) {
  GatewayOptions options = Options();
  options.health_address = "";
  auto server = GatewayServer::Start(options, std::make_unique<RecordingProducer>());
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_EQ((*server)->health_port(), 0);
}

}  // namespace
}  // namespace ingest
