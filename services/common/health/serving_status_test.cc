#include "services/common/health/serving_status.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "services/common/server/grpc_server.h"

namespace ingest {
namespace {

using grpc::health::v1::HealthCheckResponse;

// A server with nothing but health and reflection.
class EmptyService : public grpc::Service {};

class ServingStatusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto listening = StartGrpcServer("127.0.0.1:0", &service_, {.serving = true});
    ASSERT_TRUE(listening.ok()) << listening.status();
    server_ = std::move(listening->server);
    health_ = grpc::health::v1::Health::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", listening->port), grpc::InsecureChannelCredentials()));
  }

  HealthCheckResponse::ServingStatus GrpcStatus() {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    HealthCheckResponse response;
    const grpc::Status status = health_->Check(&context, {}, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.status();
  }

  EmptyService service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_;
};

TEST_F(ServingStatusTest, NotServingUntilSetAndTheServerIsToldOnAttach) {
  ServingStatus status;
  EXPECT_FALSE(status.Readiness().ok);
  EXPECT_EQ(status.Readiness().reason, "NOT_SERVING: starting");
  status.Attach(*server_);
  EXPECT_EQ(GrpcStatus(), HealthCheckResponse::NOT_SERVING);
}

TEST_F(ServingStatusTest, GrpcHealthAndReadinessSayTheSame) {
  ServingStatus status;
  status.Attach(*server_);
  status.Set(true);
  EXPECT_TRUE(status.Readiness().ok);
  EXPECT_EQ(GrpcStatus(), HealthCheckResponse::SERVING);

  status.Set(false, "draining");
  EXPECT_FALSE(status.Readiness().ok);
  EXPECT_EQ(status.Readiness().reason, "NOT_SERVING: draining");
  EXPECT_EQ(GrpcStatus(), HealthCheckResponse::NOT_SERVING);
}

TEST_F(ServingStatusTest, ChecksAreLiveAlwaysAndReadyWhenServing) {
  ServingStatus status;
  const HealthChecks checks = status.Checks();
  EXPECT_TRUE(checks.liveness().ok);
  EXPECT_FALSE(checks.readiness().ok);
  status.Set(true);
  EXPECT_TRUE(checks.readiness().ok);
  status.Set(false);
  EXPECT_EQ(checks.readiness().reason, "NOT_SERVING");
  EXPECT_TRUE(checks.liveness().ok);
}

}  // namespace
}  // namespace ingest
