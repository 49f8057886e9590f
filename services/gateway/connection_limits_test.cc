// The limits an internet-facing gateway puts on clients, through a real
// in-process server: the per-peer call rate (refused, counted and logged),
// the metadata size, concurrent calls per connection, idle connections and
// keepalive enforcement.

#include <grpcpp/grpcpp.h>

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

namespace ingest {
namespace {

constexpr char kApiKey[] = "sk_limits_test_0123456789abcdef";

class ConnectionLimitsTest : public ::testing::Test {
 protected:
  void Start(const std::function<void(GatewayOptions&)>& adjust) {
    GatewayOptions options =
        TestGatewayOptions("limits-project", kApiKey, "limits-secret-0123456789");
    adjust(options);
    auto server = GatewayServer::Start(options, std::make_unique<RecordingProducer>());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  std::shared_ptr<grpc::Channel> Channel(const grpc::ChannelArguments& args = {}) {
    return grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                     grpc::InsecureChannelCredentials(), args);
  }

  // Channel arguments for a connection of its own (channels otherwise share
  // gRPC's global subchannels, so a closed connection would be shared too).
  static grpc::ChannelArguments OwnConnection() {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    return args;
  }

  static void Authorize(grpc::ClientContext& context, absl::Duration deadline) {
    context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
    context.AddMetadata("authorization", absl::StrCat("Bearer ", kApiKey));
  }

  static grpc::Status Initialize(v1::Ingest::Stub& stub,
                                 absl::Duration deadline = absl::Seconds(30)) {
    grpc::ClientContext context;
    Authorize(context, deadline);
    v1::InitializeSessionResponse response;
    return stub.InitializeSession(&context, {}, &response);
  }

  std::string Metrics() { return HttpGet(server_->metrics_port(), "/metrics"); }

  std::unique_ptr<GatewayServer> server_;
};

TEST_F(ConnectionLimitsTest, APeerOverItsCallRateIsRefusedCountedAndLogged) {
  Start([](GatewayOptions& options) {
    options.peer_rate = {.calls_per_second = 0.01, .burst_calls = 2};
  });
  auto stub = v1::Ingest::NewStub(Channel());
  testing::internal::CaptureStderr();
  EXPECT_TRUE(Initialize(*stub).ok());
  EXPECT_TRUE(Initialize(*stub).ok());

  grpc::ClientContext context;
  Authorize(context, absl::Seconds(30));
  v1::InitializeSessionResponse response;
  const grpc::Status refused = stub->InitializeSession(&context, {}, &response);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(absl::StrContains(refused.error_message(), "too many calls from 127.0.0.1"))
      << refused.error_message();
  EXPECT_TRUE(context.GetServerTrailingMetadata().count("retry-after-ms") > 0 ||
              context.GetServerInitialMetadata().count("retry-after-ms") > 0)
      << "the SDK is told when to come back";

  // A stream is refused the same way, before it reads anything.
  grpc::ClientContext stream_context;
  Authorize(stream_context, absl::Seconds(30));
  v1::PushPayloadStreamResponse stream_response;
  auto writer = stub->PushPayloadStream(&stream_context, &stream_response);
  writer->WritesDone();
  EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);

  const std::string logged = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(absl::StrContains(logged, "reason=peer_rate")) << logged;
  EXPECT_TRUE(
      absl::StrContains(Metrics(), "ingest_gateway_rejected_total{reason=\"peer_rate\"} 2"));
}

TEST_F(ConnectionLimitsTest, MetadataOverTheLimitIsRefused) {
  Start([](GatewayOptions& options) { options.connection.max_metadata_bytes = 2048; });
  auto stub = v1::Ingest::NewStub(Channel());
  grpc::ClientContext context;
  Authorize(context, absl::Seconds(30));
  context.AddMetadata("x-padding", std::string(8192, 'p'));
  v1::InitializeSessionResponse response;
  const grpc::Status refused = stub->InitializeSession(&context, {}, &response);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << refused.error_message();
  // gRPC may close that connection too (its header state is lost): a client
  // reconnects, and a call within the limit is served.
  EXPECT_TRUE(Initialize(*v1::Ingest::NewStub(Channel(OwnConnection()))).ok());
}

TEST_F(ConnectionLimitsTest, ConcurrentCallsPerConnectionAreBounded) {
  Start([](GatewayOptions& options) { options.connection.max_concurrent_streams = 1; });
  auto channel = Channel();
  auto stub = v1::Ingest::NewStub(channel);
  ASSERT_TRUE(Initialize(*stub).ok());

  // A stream left open holds the connection's only slot...
  grpc::ClientContext stream_context;
  Authorize(stream_context, absl::Seconds(60));
  v1::PushPayloadStreamResponse stream_response;
  auto writer = stub->PushPayloadStream(&stream_context, &stream_response);
  // ...so another call on it waits for the slot (and here runs out of time),
  EXPECT_EQ(Initialize(*stub, absl::Seconds(1)).error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  // while another connection is served.
  EXPECT_TRUE(Initialize(*v1::Ingest::NewStub(Channel(OwnConnection()))).ok());
  writer->WritesDone();
  (void)writer->Finish();  // a stream without a header: refused, slot freed
  EXPECT_TRUE(Initialize(*stub).ok());
}

TEST_F(ConnectionLimitsTest, AnIdleConnectionIsClosed) {
  Start([](GatewayOptions& options) {
    options.connection.max_connection_idle = absl::Milliseconds(300);
  });
  auto channel = Channel();
  ASSERT_TRUE(Initialize(*v1::Ingest::NewStub(channel)).ok());
  ASSERT_EQ(channel->GetState(false), GRPC_CHANNEL_READY);
  EXPECT_TRUE(channel->WaitForStateChange(GRPC_CHANNEL_READY,
                                          absl::ToChronoTime(absl::Now() + absl::Seconds(30))))
      << "the gateway closes a connection idle for longer than --max_connection_idle";
}

TEST_F(ConnectionLimitsTest, AClientPingingTooOftenIsDisconnected) {
  Start([](GatewayOptions& options) {
    options.connection.min_client_ping_interval = absl::Seconds(10);
  });
  grpc::ChannelArguments abusive;
  abusive.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 50);
  abusive.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  abusive.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  auto channel = Channel(abusive);
  ASSERT_TRUE(Initialize(*v1::Ingest::NewStub(channel)).ok());
  ASSERT_EQ(channel->GetState(false), GRPC_CHANNEL_READY);
  EXPECT_TRUE(channel->WaitForStateChange(GRPC_CHANNEL_READY,
                                          absl::ToChronoTime(absl::Now() + absl::Seconds(30))))
      << "pings every 50 ms against a 10 s minimum: GOAWAY after two strikes";
}

}  // namespace
}  // namespace ingest
