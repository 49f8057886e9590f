// The benchmarks' gateway side against the SDK's in-process FakeGateway:
// sessions, lanes and ids, backpressure retried with the same id and
// counted, final statuses, streaming above the threshold, and the closed
// loop driving it.

#include "bench/common/sdk_sink.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "bench/common/load_driver.h"
#include "client/cpp/testing/fake_gateway.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ingest::bench {
namespace {

using client::testing::FakeGateway;
using client::testing::Pushback;
using client::testing::RecordedCall;
using client::testing::Reply;

v1::PayloadContent Content(size_t bytes, char fill) {
  v1::PayloadContent content;
  content.set_events(std::string(bytes, fill));
  return content;
}

class SdkSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gateway_ = FakeGateway::Start();
    bodies_ = {Content(100, 'a'), Content(100, 'b'), Content(5000, 'c')};
  }

  std::unique_ptr<client::Client> NewClient(int64_t stream_threshold_bytes = 1000) {
    absl::StatusOr<std::unique_ptr<client::Client>> client =
        CreateBenchClient({.address = gateway_->address(),
                           .api_key = "key",
                           .channels = 2,
                           .stream_threshold_bytes = stream_threshold_bytes,
                           .stream_chunk_bytes = 300,
                           .max_lanes = 4,
                           .max_payload_bytes = 5000},
                          backpressure_);
    EXPECT_TRUE(client.ok()) << client.status();
    return *std::move(client);
  }

  // Message k carries bodies_[k % 2] (unary), or bodies_[2] (streamed) when
  // `big`.
  ContentSource Source(bool big = false) {
    return [this, big](uint64_t k) -> const v1::PayloadContent& {
      return big ? bodies_[2] : bodies_[k % 2];
    };
  }

  // Sends one message on `lane` and waits for its Ack.
  static Ack SendAndWait(SdkSink& sink, int lane) {
    absl::Notification done;
    Ack ack;
    sink.Send(lane, [&](Ack a) {
      ack = std::move(a);
      done.Notify();
    });
    done.WaitForNotification();
    return ack;
  }

  std::unique_ptr<FakeGateway> gateway_;
  std::vector<v1::PayloadContent> bodies_;
  BackpressureCount backpressure_;
};

// The TLS files reach the SDK, which reads them when the Client is made.
TEST_F(SdkSinkTest, TheTlsFilesGoToTheSdk) {
  absl::StatusOr<std::unique_ptr<client::Client>> client = CreateBenchClient(
      {.address = gateway_->address(), .api_key = "key", .tls = {.ca_file = "/nonexistent/ca.crt"}},
      backpressure_);
  EXPECT_EQ(client.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(client.status().message(), ::testing::HasSubstr("/nonexistent/ca.crt"));
}

TEST_F(SdkSinkTest, StartsNamedSessions) {
  auto client = NewClient();
  absl::StatusOr<std::vector<std::unique_ptr<client::Session>>> sessions =
      StartSessions(*client, 5, "project-x", "bench_test");
  ASSERT_TRUE(sessions.ok()) << sessions.status();
  ASSERT_EQ(sessions->size(), 5u);
  std::vector<std::string> client_ids;
  for (const RecordedCall& call : gateway_->calls("InitializeSession")) {
    v1::InitializeSessionRequest request;
    ASSERT_TRUE(request.ParseFromString(call.request_bytes));
    EXPECT_EQ(request.project_id(), "project-x");
    EXPECT_EQ(request.environment(), "bench");
    client_ids.push_back(request.client_id());
  }
  std::sort(client_ids.begin(), client_ids.end());
  EXPECT_EQ(client_ids, (std::vector<std::string>{"bench_test-0", "bench_test-1", "bench_test-2",
                                                  "bench_test-3", "bench_test-4"}));
}

TEST_F(SdkSinkTest, LaneIIsSessionIWithIdsFromOne) {
  auto client = NewClient();
  auto sessions = *StartSessions(*client, 2, "p", "bench_test");
  SdkSink sink(sessions, 2, Source(), backpressure_);
  EXPECT_EQ(sink.lane_count(), 2);
  ASSERT_TRUE(SendAndWait(sink, 0).status.ok());
  ASSERT_TRUE(SendAndWait(sink, 1).status.ok());
  ASSERT_TRUE(SendAndWait(sink, 0).status.ok());
  const std::vector<RecordedCall> calls = gateway_->calls("PushPayload");
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0].session_id, sessions[0]->id());
  EXPECT_EQ(calls[0].payload_id, 1u);
  EXPECT_EQ(calls[1].session_id, sessions[1]->id());
  EXPECT_EQ(calls[1].payload_id, 1u);
  EXPECT_EQ(calls[2].session_id, sessions[0]->id());
  EXPECT_EQ(calls[2].payload_id, 2u);
  // Message k carries content(k), whatever its lane.
  EXPECT_EQ(calls[0].content, bodies_[0].SerializeAsString());
  EXPECT_EQ(calls[1].content, bodies_[1].SerializeAsString());
  EXPECT_EQ(calls[2].content, bodies_[0].SerializeAsString());
  EXPECT_EQ(sink.acked_through(0), 2u);
  EXPECT_EQ(sink.acked_through(1), 1u);
}

TEST_F(SdkSinkTest, BackpressureIsRetriedWithTheSameIdAndCounted) {
  auto client = NewClient();
  auto sessions = *StartSessions(*client, 1, "p", "bench_test");
  gateway_->Script("PushPayload", {Pushback(1), Pushback(2)});
  SdkSink sink(sessions, 1, Source(), backpressure_);
  const Ack ack = SendAndWait(sink, 0);
  ASSERT_TRUE(ack.status.ok()) << ack.status;
  EXPECT_EQ(ack.backpressure_retries, 2);
  const std::vector<RecordedCall> calls = gateway_->calls("PushPayload");
  ASSERT_EQ(calls.size(), 3u);
  for (const RecordedCall& call : calls) {
    EXPECT_EQ(call.payload_id, 1u);
    EXPECT_EQ(call.content, bodies_[0].SerializeAsString());
  }
  // Counted once: the next Ack starts from zero.
  EXPECT_EQ(SendAndWait(sink, 0).backpressure_retries, 0);
}

TEST_F(SdkSinkTest, AFinalStatusFailsTheMessage) {
  auto client = NewClient();
  auto sessions = *StartSessions(*client, 1, "p", "bench_test");
  gateway_->Script("PushPayload", {Reply{grpc::StatusCode::INVALID_ARGUMENT, "bad id", {}}});
  SdkSink sink(sessions, 1, Source(), backpressure_);
  const Ack ack = SendAndWait(sink, 0);
  EXPECT_EQ(ack.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ack.backpressure_retries, 0);
  EXPECT_EQ(gateway_->calls("PushPayload").size(), 1u);
  EXPECT_EQ(sink.acked_through(0), 0u);
}

TEST_F(SdkSinkTest, PayloadsAboveTheThresholdAreStreamedAndTheirBackpressureCounted) {
  auto client = NewClient(/*stream_threshold_bytes=*/1000);
  auto sessions = *StartSessions(*client, 1, "p", "bench_test");
  gateway_->Script("PushPayloadStream", {Pushback(1)});
  SdkSink sink(sessions, 1, Source(/*big=*/true), backpressure_);
  const Ack ack = SendAndWait(sink, 0);
  ASSERT_TRUE(ack.status.ok()) << ack.status;
  EXPECT_EQ(ack.backpressure_retries, 1);
  const std::vector<RecordedCall> calls = gateway_->calls("PushPayloadStream");
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1].content, bodies_[2].SerializeAsString());
  EXPECT_EQ(calls[1].chunk_messages, 17);  // 5003 bytes in chunks of 300
  EXPECT_TRUE(gateway_->calls("PushPayload").empty());
}

TEST_F(SdkSinkTest, TheClosedLoopKeepsOnePayloadPerLaneAndSumsBackpressure) {
  auto client = NewClient();
  auto sessions = *StartSessions(*client, 3, "p", "bench_test");
  gateway_->Script("PushPayload", {Pushback(1), Pushback(1), Pushback(1)});
  SdkSink sink(sessions, 3, Source(), backpressure_);
  PhaseCounters counters;
  absl::StatusOr<ThroughputStats> stats = RunClosedLoop(
      sink, {.lanes = 3, .warmup = absl::ZeroDuration(), .window = absl::Milliseconds(200)},
      counters);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->backpressure_retries, 3);
  EXPECT_GT(stats->acked, 0);
  // Every session's ids are 1..n without gaps or repeats beyond the retries.
  for (int lane = 0; lane < 3; ++lane) {
    uint64_t expected = 1;
    for (const RecordedCall& call : gateway_->calls("PushPayload")) {
      if (call.session_id != sessions[static_cast<size_t>(lane)]->id()) continue;
      if (call.payload_id + 1 == expected) {
        continue;
      }
      EXPECT_EQ(call.payload_id, expected) << "lane " << lane;
      ++expected;
    }
    EXPECT_EQ(sink.acked_through(lane), expected - 1);
  }
  EXPECT_EQ(static_cast<int64_t>(gateway_->calls("PushPayload").size()), counters.acked.load() + 3);
}

}  // namespace
}  // namespace ingest::bench
