// The real gateway binary against the mock_kafka process: memory while a
// 256 MB payload streams through, Kafka dying under it, SIGTERM, and a
// unary payload above the message size limit.

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "ingest/v1/ingest.grpc.pb.h"
#include "services/common/crypto/sha256.h"
#include "tests/testing/child_process.h"
#include "tests/testing/http_get.h"

namespace ingest {
namespace {

constexpr char kApiKey[] = "sk_process_test_0123456789";
constexpr int64_t kStreamBytes = int64_t{256} << 20;
constexpr int64_t kMessageBytes = 1 << 20;

std::unique_ptr<grpc::ClientContext> Context(absl::Duration deadline) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  context->AddMetadata("authorization", absl::StrCat("Bearer ", kApiKey));
  return context;
}

class GatewayProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto mock = StartMockKafka({"--partitions=4"}, TestTempPath("mock_kafka"));
    ASSERT_TRUE(mock.ok()) << mock.status();
    mock_.emplace(std::move(mock->process));

    const std::string keys =
        WriteTestTempFile("keys", absl::StrCat("proc-project ", kApiKey, "\n"));
    const std::string secret = WriteTestTempFile("secret", "process-test-secret-0123456789\n");
    auto gateway = StartService(
        {RunfilePath("services/gateway/gateway"), "--grpc_address=127.0.0.1:0",
         "--metrics_address=127.0.0.1:0", "--kafka_bootstrap=" + mock->address,
         "--api_keys_file=" + keys, "--session_secret_file=" + secret,
         "--delivery_timeout=10s", "--shutdown_delay=3s", "--shutdown_grace=5s",
         "--grpc_memory_quota_bytes=134217728"},
        TestTempPath("gateway"), "gateway.started");
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_.emplace(std::move(gateway->process));
    auto channel = grpc::CreateChannel(gateway->address, grpc::InsecureChannelCredentials());
    stub_ = v1::Ingest::NewStub(channel);
    health_ = grpc::health::v1::Health::NewStub(channel);
    ASSERT_TRUE(WaitForHealth(grpc::health::v1::HealthCheckResponse::SERVING, absl::Seconds(30)));
  }

  bool WaitForHealth(grpc::health::v1::HealthCheckResponse::ServingStatus wanted,
                     absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
      grpc::health::v1::HealthCheckResponse response;
      if (health_->Check(&context, {}, &response).ok() && response.status() == wanted) return true;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return false;
  }

  std::string Initialize() {
    v1::InitializeSessionResponse response;
    grpc::Status status =
        stub_->InitializeSession(Context(absl::Seconds(20)).get(), {}, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.session_id();
  }

  // Streams `total` bytes as payload `payload_id` in `message_bytes` messages.
  grpc::Status Stream(const std::string& session_id, uint64_t payload_id, int64_t total,
                      v1::PushPayloadStreamResponse* response,
                      int64_t message_bytes = kMessageBytes) {
    auto context = Context(absl::Minutes(5));
    auto writer = stub_->PushPayloadStream(context.get(), response);
    v1::PushPayloadStreamRequest header;
    header.mutable_header()->set_session_id(session_id);
    header.mutable_header()->set_payload_id(payload_id);
    header.mutable_header()->set_total_bytes(static_cast<uint64_t>(total));
    writer->Write(header);
    v1::PushPayloadStreamRequest chunk;
    for (int64_t sent = 0; sent < total; sent += message_bytes) {
      const int64_t size = std::min(message_bytes, total - sent);
      chunk.set_chunk(std::string(static_cast<size_t>(size), static_cast<char>('a' + sent % 26)));
      if (!writer->Write(chunk)) break;
    }
    writer->WritesDone();
    return writer->Finish();
  }

  // The gateway's /metrics text.
  std::string Metrics() {
    std::optional<std::string> started =
        gateway_->WaitForOutput("gateway.started", true, absl::Seconds(1));
    if (!started.has_value()) return "";
    const size_t at = started->find("metrics_port=") + 13;
    int port = 0;
    if (!absl::SimpleAtoi(started->substr(at, started->find(' ', at) - at), &port)) return "";
    return HttpGet(port, "/metrics");
  }

  std::optional<ChildProcess> mock_;
  std::optional<ChildProcess> gateway_;
  std::unique_ptr<v1::Ingest::Stub> stub_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_;
};

TEST_F(GatewayProcessTest, A256MegabyteStreamKeepsTheGatewayWithin64MegabytesOfIdle) {
  const std::string session_id = Initialize();
  v1::PushPayloadStreamResponse warmup;
  ASSERT_TRUE(Stream(session_id, 1, 8 * kMessageBytes, &warmup).ok());
  const int64_t idle = gateway_->ResidentBytes();
  ASSERT_GT(idle, 0);

  std::atomic<bool> streaming{true};
  std::atomic<int64_t> peak{idle};
  std::thread sampler([&] {
    while (streaming.load()) {
      peak.store(std::max(peak.load(), gateway_->ResidentBytes()));
      absl::SleepFor(absl::Milliseconds(10));
    }
  });
  v1::PushPayloadStreamResponse response;
  grpc::Status status = Stream(session_id, 2, kStreamBytes, &response);
  streaming.store(false);
  sampler.join();

  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.total_bytes(), static_cast<uint64_t>(kStreamBytes));
  EXPECT_EQ(response.chunk_count(), 256u);
  EXPECT_EQ(response.last_offset() - response.first_offset() + 1, 256);
  const int64_t growth = peak.load() - idle;
  RecordProperty("rss_growth_mb", static_cast<int>(growth >> 20));
  EXPECT_LE(growth, int64_t{64} << 20) << "idle " << (idle >> 20) << " MB, peak "
                                        << (peak.load() >> 20) << " MB";
}

// Many streams ending at once: each call's answer races its last
// acknowledgement, its last read and gRPC's OnDone() (which deletes the
// call). The gateway once answered while holding the call's lock and could
// abort ("Mutex unlocked when destroyed"); it must answer every stream and
// still drain cleanly on SIGTERM.
TEST_F(GatewayProcessTest, ManyConcurrentStreamsAllSucceedAndTheGatewaySurvives) {
  constexpr int kThreads = 8;
  constexpr int kStreamsPerThread = 50;
  constexpr int64_t kBytes = 200 << 10;  // one chunk record, in several messages
  std::vector<std::string> sessions;
  for (int i = 0; i < kThreads; ++i) sessions.push_back(Initialize());
  std::atomic<int> succeeded{0};
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 1; i <= kStreamsPerThread; ++i) {
        v1::PushPayloadStreamResponse response;
        grpc::Status status = Stream(sessions[t], static_cast<uint64_t>(i), kBytes, &response,
                                     /*message_bytes=*/64 << 10);
        if (!status.ok()) {
          failures[t] = absl::StrCat("stream ", i, ": ", status.error_message());
          return;
        }
        succeeded.fetch_add(1);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const std::string& failure : failures) EXPECT_EQ(failure, "");
  EXPECT_EQ(succeeded.load(), kThreads * kStreamsPerThread);
  EXPECT_EQ(gateway_->Stop(SIGTERM, absl::Seconds(30)), 0) << "the gateway crashed or hung";
}

TEST_F(GatewayProcessTest, KafkaGoneMeansUnavailableWithinTheDeadlineAndNotServing) {
  const std::string session_id = Initialize();
  ASSERT_TRUE(mock_->Stop(SIGKILL, absl::Seconds(10)).has_value());

  v1::PushPayloadRequest request;
  request.set_session_id(session_id);
  request.set_payload_id(1);
  request.mutable_content()->set_events("[]");
  v1::PushPayloadResponse response;
  const absl::Time start = absl::Now();
  grpc::Status status = stub_->PushPayload(Context(absl::Seconds(3)).get(), request, &response);
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_LT(took, absl::Seconds(3)) << "answered before the client's deadline";
  EXPECT_TRUE(WaitForHealth(grpc::health::v1::HealthCheckResponse::NOT_SERVING, absl::Seconds(15)));
}

TEST_F(GatewayProcessTest, DuringTheShutdownDelayHealthIsNotServingButCallsSucceed) {
  const std::string session_id = Initialize();
  // This gateway was started with --shutdown_delay=3s.
  ASSERT_EQ(kill(gateway_->pid(), SIGTERM), 0);
  ASSERT_TRUE(WaitForHealth(grpc::health::v1::HealthCheckResponse::NOT_SERVING, absl::Seconds(2)));
  v1::PushPayloadRequest request;
  request.set_session_id(session_id);
  request.set_payload_id(1);
  request.mutable_content()->set_events("[]");
  v1::PushPayloadResponse response;
  grpc::Status status = stub_->PushPayload(Context(absl::Seconds(2)).get(), request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  std::optional<int> code = gateway_->Stop(SIGTERM, absl::Seconds(15));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
}

// gRPC's own limit answered these RESOURCE_EXHAUSTED (retryable, so an SDK
// retried a payload that can never fit) before the gateway saw them.
TEST_F(GatewayProcessTest, AUnaryPayloadAboveTheMessageLimitIsInvalidArgumentAndCounted) {
  const std::string session_id = Initialize();
  v1::PushPayloadRequest request;
  request.set_session_id(session_id);
  request.set_payload_id(1);
  request.mutable_content()->set_events(std::string(20 << 20, 'e'));  // over 16 MiB
  v1::PushPayloadResponse response;
  grpc::Status status = stub_->PushPayload(Context(absl::Seconds(30)).get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_TRUE(absl::StrContains(status.error_message(), "PushPayloadStream"))
      << status.error_message();
  const std::string metrics = Metrics();
  EXPECT_TRUE(absl::StrContains(
      metrics, "ingest_gateway_requests_total{code=\"INVALID_ARGUMENT\",rpc=\"PushPayload\"} 1"))
      << metrics;
  EXPECT_TRUE(
      absl::StrContains(metrics, "ingest_gateway_rejected_total{reason=\"invalid_argument\"} 1"))
      << metrics;
}

// gRPC buffers a whole message before anyone can check its size: the
// memory quota (128 MiB here) is what keeps a 300 MB request from taking
// the gateway's memory, and the gateway serves on.
TEST_F(GatewayProcessTest, AHugeRequestIsCutOffByTheMemoryQuotaAndTheGatewayServesOn) {
  const std::string session_id = Initialize();
  const int64_t idle = gateway_->ResidentBytes();
  std::atomic<bool> sending{true};
  std::atomic<int64_t> peak{idle};
  std::thread sampler([&] {
    while (sending.load()) {
      peak.store(std::max(peak.load(), gateway_->ResidentBytes()));
      absl::SleepFor(absl::Milliseconds(10));
    }
  });
  v1::PushPayloadRequest request;
  request.set_session_id(session_id);
  request.set_payload_id(1);
  request.mutable_content()->set_events(std::string(300 << 20, 'e'));
  v1::PushPayloadResponse response;
  grpc::Status status = stub_->PushPayload(Context(absl::Seconds(60)).get(), request, &response);
  sending.store(false);
  sampler.join();
  EXPECT_FALSE(status.ok());
  const int64_t growth = peak.load() - idle;
  EXPECT_LE(growth, int64_t{200} << 20) << "idle " << (idle >> 20) << " MB, peak "
                                         << (peak.load() >> 20) << " MB";

  request.mutable_content()->set_events("small");
  EXPECT_TRUE(
      stub_->PushPayload(Context(absl::Seconds(10)).get(), request, &response).ok());
}

TEST_F(GatewayProcessTest, SigtermDrainsAndExitsZero) {
  const std::string session_id = Initialize();
  std::optional<int> code = gateway_->Stop(SIGTERM, absl::Seconds(15));
  ASSERT_TRUE(code.has_value()) << "did not exit within the grace period";
  EXPECT_EQ(*code, 0);
}

}  // namespace
}  // namespace ingest
