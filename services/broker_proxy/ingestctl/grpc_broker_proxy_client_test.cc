// The real gRPC client against an in-process fake BrokerProxy on
// 127.0.0.1:0: requests and answers cross the wire intact, the token arrives
// as `authorization: Bearer` metadata, and statuses keep code and message.
#include "services/broker_proxy/ingestctl/grpc_broker_proxy_client.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "grpcpp/server_context.h"
#include "gtest/gtest.h"
#include "ingest/v1/admin.grpc.pb.h"

namespace ingest::ingestctl {
namespace {

// Answers GetConsumerLag, DescribeTopic, ListSessions, EraseSessions and
// EnforceRetention with canned
// responses (and UNAUTHENTICATED without the expected token); every other
// RPC is left UNIMPLEMENTED by the generated base class. Called on gRPC's
// threads.
class FakeBrokerProxyService final : public v1::BrokerProxy::Service {
 public:
  grpc::Status GetConsumerLag(grpc::ServerContext* context,
                              const v1::GetConsumerLagRequest* request,
                              v1::GetConsumerLagResponse* response) override {
    if (grpc::Status status = Authenticate(*context); !status.ok()) return status;
    response->set_group(request->group());
    response->set_topic("ingest.tasks");
    response->set_group_state("Stable");
    response->set_total_lag(42);
    v1::PartitionLag* partition = response->add_partitions();
    partition->set_partition(3);
    partition->set_lag(42);
    return grpc::Status::OK;
  }

  grpc::Status DescribeTopic(grpc::ServerContext* context, const v1::DescribeTopicRequest* request,
                             v1::DescribeTopicResponse* response) override {
    if (grpc::Status status = Authenticate(*context); !status.ok()) return status;
    if (request->name() == "compacted") {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                          "topic compacted: cleanup.policy=compact");
    }
    response->mutable_topic()->set_name(request->name());
    response->mutable_topic()->set_replication_factor(3);
    (*response->mutable_topic()->mutable_configs())["cleanup.policy"] = "delete";
    return grpc::Status::OK;
  }

  grpc::Status ListSessions(grpc::ServerContext* context, const v1::ListSessionsRequest* request,
                            v1::ListSessionsResponse* response) override {
    if (grpc::Status status = Authenticate(*context); !status.ok()) return status;
    v1::SessionListItem* item = response->add_sessions();
    item->set_session_id("p.s1");
    item->set_project_id(request->project_id());
    item->set_lifecycle(request->status());
    response->set_next_page_token(request->page_token() + "-next");
    return grpc::Status::OK;
  }

  grpc::Status EraseSessions(grpc::ServerContext* context, const v1::EraseSessionsRequest* request,
                             v1::EraseSessionsResponse* response) override {
    if (grpc::Status status = Authenticate(*context); !status.ok()) return status;
    for (const std::string& id : request->session_ids()) {
      response->add_sessions()->set_session_id(id);
    }
    response->set_dry_run(request->dry_run());
    return grpc::Status::OK;
  }

  grpc::Status EnforceRetention(grpc::ServerContext* context,
                                const v1::EnforceRetentionRequest* request,
                                v1::EnforceRetentionResponse* response) override {
    if (grpc::Status status = Authenticate(*context); !status.ok()) return status;
    response->set_today("2026-03-10");
    response->set_dry_run(request->dry_run());
    return grpc::Status::OK;
  }

  std::string last_authorization() {
    absl::MutexLock lock(&mutex_);
    return last_authorization_;
  }

 private:
  grpc::Status Authenticate(const grpc::ServerContext& context) {
    std::string authorization;
    const auto& metadata = context.client_metadata();
    if (auto it = metadata.find("authorization"); it != metadata.end()) {
      authorization.assign(it->second.data(), it->second.size());
    }
    {
      absl::MutexLock lock(&mutex_);
      last_authorization_ = authorization;
    }
    if (authorization != "Bearer s3cret") {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "unknown operator token");
    }
    return grpc::Status::OK;
  }

  absl::Mutex mutex_;
  std::string last_authorization_ ABSL_GUARDED_BY(mutex_);
};

class GrpcBrokerProxyClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port_, 0);
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  std::unique_ptr<BrokerProxyClient> Client(std::string token) {
    return CreateGrpcBrokerProxyClient(
        ClientOptions{absl::StrCat("127.0.0.1:", port_), std::move(token), absl::Seconds(10)});
  }

  FakeBrokerProxyService service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

TEST_F(GrpcBrokerProxyClientTest, GetConsumerLagSendsTheTokenAsBearerMetadata) {
  v1::GetConsumerLagRequest request;
  request.set_group("ingest-workers");
  absl::StatusOr<v1::GetConsumerLagResponse> response = Client("s3cret")->GetConsumerLag(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(service_.last_authorization(), "Bearer s3cret");
  EXPECT_EQ(response->group(), "ingest-workers");
  EXPECT_EQ(response->total_lag(), 42);
  ASSERT_EQ(response->partitions_size(), 1);
  EXPECT_EQ(response->partitions(0).partition(), 3);
}

TEST_F(GrpcBrokerProxyClientTest, DescribeTopicRoundTrips) {
  v1::DescribeTopicRequest request;
  request.set_name("ingest.tasks");
  absl::StatusOr<v1::DescribeTopicResponse> response = Client("s3cret")->DescribeTopic(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->topic().name(), "ingest.tasks");
  EXPECT_EQ(response->topic().configs().at("cleanup.policy"), "delete");
}

TEST_F(GrpcBrokerProxyClientTest, ListSessionsRoundTrips) {
  v1::ListSessionsRequest request;
  request.set_project_id("p");
  request.set_status("live");
  request.set_page_token("t1");
  absl::StatusOr<v1::ListSessionsResponse> response = Client("s3cret")->ListSessions(request);
  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(response->sessions_size(), 1);
  EXPECT_EQ(response->sessions(0).session_id(), "p.s1");
  EXPECT_EQ(response->sessions(0).project_id(), "p");
  EXPECT_EQ(response->sessions(0).lifecycle(), "live");
  EXPECT_EQ(response->next_page_token(), "t1-next");
}

TEST_F(GrpcBrokerProxyClientTest, ErasureAndRetentionRoundTrip) {
  v1::EraseSessionsRequest erase;
  erase.add_session_ids("p.s1");
  erase.set_dry_run(true);
  absl::StatusOr<v1::EraseSessionsResponse> erased = Client("s3cret")->EraseSessions(erase);
  ASSERT_TRUE(erased.ok()) << erased.status();
  ASSERT_EQ(erased->sessions_size(), 1);
  EXPECT_EQ(erased->sessions(0).session_id(), "p.s1");
  EXPECT_TRUE(erased->dry_run());

  v1::EnforceRetentionRequest enforce;
  enforce.set_dry_run(true);
  absl::StatusOr<v1::EnforceRetentionResponse> enforced =
      Client("s3cret")->EnforceRetention(enforce);
  ASSERT_TRUE(enforced.ok()) << enforced.status();
  EXPECT_EQ(enforced->today(), "2026-03-10");
  EXPECT_TRUE(enforced->dry_run());
  EXPECT_EQ(Client("wrong")->EnforceRetention(enforce).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_F(GrpcBrokerProxyClientTest, StatusesKeepCodeAndMessage) {
  v1::DescribeTopicRequest request;
  request.set_name("compacted");
  absl::StatusOr<v1::DescribeTopicResponse> refused = Client("s3cret")->DescribeTopic(request);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.status().message(), "topic compacted: cleanup.policy=compact");

  absl::StatusOr<v1::GetConsumerLagResponse> wrong = Client("wrong")->GetConsumerLag({});
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(service_.last_authorization(), "Bearer wrong");
}

TEST_F(GrpcBrokerProxyClientTest, NoTokenSendsNoAuthorization) {
  absl::StatusOr<v1::GetConsumerLagResponse> response = Client("")->GetConsumerLag({});
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(service_.last_authorization(), "");
}

TEST_F(GrpcBrokerProxyClientTest, UnservedRpcIsUnimplemented) {
  absl::StatusOr<v1::GetSessionResponse> response = Client("s3cret")->GetSession({});
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnimplemented);
}

TEST(GrpcBrokerProxyClientNoServerTest, NothingListeningIsUnavailable) {
  // Port 1 on loopback: nothing listens there in a sandbox.
  std::unique_ptr<BrokerProxyClient> client =
      CreateGrpcBrokerProxyClient(ClientOptions{"127.0.0.1:1", "t", absl::Seconds(5)});
  absl::StatusOr<v1::GetConsumerLagResponse> response = client->GetConsumerLag({});
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace ingest::ingestctl
