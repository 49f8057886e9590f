#include "tools/loadgen/gateway_probe.h"

#include <memory>
#include <string>

#include "client/cpp/testing/fake_clock.h"
#include "client/cpp/testing/fake_gateway.h"
#include "gtest/gtest.h"

namespace ingest::loadgen {
namespace {

using client::testing::FakeClock;
using client::testing::FakeGateway;
using client::testing::Reply;
using client::testing::UnusedLoopbackAddress;

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

  std::unique_ptr<FakeGateway> gateway_;
  FakeClock clock_;
};

// What a real gateway answers a good key with a session it never issued.
Reply NotOurSession() {
  return Reply{
      grpc::StatusCode::PERMISSION_DENIED, "session was not issued by this deployment", {}};
}

TEST_F(GatewayProbeTest, AGatewayThatRefusesTheSessionButTakesTheKeyPasses) {
  gateway_->Script("IdentifySession", {NotOurSession()});
  EXPECT_TRUE(ProbeGateway(Sdk(gateway_->address()), absl::Seconds(5)).ok());
  // One call, no session started: nothing is produced.
  ASSERT_EQ(gateway_->calls("IdentifySession").size(), 1u);
  EXPECT_EQ(gateway_->calls("IdentifySession")[0].authorization, "Bearer sk_key");
  EXPECT_EQ(gateway_->calls("IdentifySession")[0].session_id, kProbeSessionId);
  EXPECT_TRUE(gateway_->calls("InitializeSession").empty());
}

TEST_F(GatewayProbeTest, RetriesUnavailableWithinTheTimeout) {
  gateway_->Script("IdentifySession",
                   {Reply{grpc::StatusCode::UNAVAILABLE, "starting", {}}, NotOurSession()});
  EXPECT_TRUE(ProbeGateway(Sdk(gateway_->address()), absl::Seconds(5)).ok());
  EXPECT_EQ(gateway_->calls("IdentifySession").size(), 2u);
}

TEST_F(GatewayProbeTest, AWrongKeyIsReturnedAtOnce) {
  gateway_->Script("IdentifySession",
                   {Reply{grpc::StatusCode::UNAUTHENTICATED, "unknown API key", {}}});
  const absl::Status status = ProbeGateway(Sdk(gateway_->address()), absl::Seconds(5));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated) << status;
  EXPECT_NE(status.message().find("unknown API key"), std::string::npos) << status;
  EXPECT_EQ(gateway_->calls("IdentifySession").size(), 1u);
}

TEST_F(GatewayProbeTest, NoGatewayIsUnavailableAfterTheTimeout) {
  const absl::Time start = clock_.Now();
  const absl::Status status = ProbeGateway(Sdk(UnusedLoopbackAddress()), absl::Seconds(5));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  // The SDK's waits (on the fake clock) stayed within the timeout.
  EXPECT_GT(clock_.Now() - start, absl::ZeroDuration());
  EXPECT_LE(clock_.Now() - start, absl::Seconds(5));
}

TEST_F(GatewayProbeTest, UnusableOptionsAreInvalidArgument) {
  client::ClientOptions sdk = Sdk(gateway_->address());
  sdk.api_key.clear();
  EXPECT_EQ(ProbeGateway(sdk, absl::Seconds(5)).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(gateway_->all_calls().empty());
}

}  // namespace
}  // namespace ingest::loadgen
