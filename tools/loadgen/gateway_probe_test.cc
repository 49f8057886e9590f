#include "tools/loadgen/gateway_probe.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "client/cpp/testing/fake_clock.h"
#include "client/cpp/testing/fake_gateway.h"
#include "gtest/gtest.h"

namespace ingest::loadgen {
namespace {

using client::testing::FakeClock;
using client::testing::FakeGateway;
using client::testing::Reply;

// A port nothing listens on: bound, then closed.
std::string DeadAddress() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return absl::StrCat("127.0.0.1:", ntohs(addr.sin_port));
}

class GatewayProbeTest : public testing::Test {
 protected:
  void SetUp() override {
    gateway_ = FakeGateway::Start();
    ASSERT_NE(gateway_, nullptr);
  }

  client::ClientOptions Sdk(const std::string& target) {
    client::ClientOptions sdk;
    sdk.targets = {target};
    sdk.api_key = "sk_key";
    sdk.clock = &clock_;
    return sdk;
  }

  ingest::v1::InitializeSessionRequest Request() {
    ingest::v1::InitializeSessionRequest request;
    request.set_project_id("demo-project");
    return request;
  }

  std::unique_ptr<FakeGateway> gateway_;
  FakeClock clock_;
};

TEST_F(GatewayProbeTest, AGatewayThatStartsASessionPasses) {
  EXPECT_TRUE(ProbeGateway(Sdk(gateway_->address()), Request(), absl::Seconds(5)).ok());
  ASSERT_EQ(gateway_->calls("InitializeSession").size(), 1u);
  EXPECT_EQ(gateway_->calls("InitializeSession")[0].authorization, "Bearer sk_key");
}

TEST_F(GatewayProbeTest, RetriesUnavailableWithinTheTimeout) {
  gateway_->Script("InitializeSession", {Reply{grpc::StatusCode::UNAVAILABLE, "starting", {}}});
  EXPECT_TRUE(ProbeGateway(Sdk(gateway_->address()), Request(), absl::Seconds(5)).ok());
  EXPECT_EQ(gateway_->calls("InitializeSession").size(), 2u);
}

TEST_F(GatewayProbeTest, AFinalStatusIsReturnedAtOnce) {
  gateway_->Script("InitializeSession",
                   {Reply{grpc::StatusCode::UNAUTHENTICATED, "unknown API key", {}}});
  const absl::Status status = ProbeGateway(Sdk(gateway_->address()), Request(), absl::Seconds(5));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated) << status;
  EXPECT_NE(status.message().find("unknown API key"), std::string::npos) << status;
  EXPECT_EQ(gateway_->calls("InitializeSession").size(), 1u);
}

TEST_F(GatewayProbeTest, NoGatewayIsUnavailableAfterTheTimeout) {
  const absl::Time start = clock_.Now();
  const absl::Status status = ProbeGateway(Sdk(DeadAddress()), Request(), absl::Seconds(5));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  // The SDK's waits (on the fake clock) stayed within the timeout.
  EXPECT_GT(clock_.Now() - start, absl::ZeroDuration());
  EXPECT_LE(clock_.Now() - start, absl::Seconds(5));
}

TEST_F(GatewayProbeTest, UnusableOptionsAreInvalidArgument) {
  client::ClientOptions sdk = Sdk(gateway_->address());
  sdk.api_key.clear();
  EXPECT_EQ(ProbeGateway(sdk, Request(), absl::Seconds(5)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(gateway_->calls("InitializeSession").empty());
}

}  // namespace
}  // namespace ingest::loadgen
