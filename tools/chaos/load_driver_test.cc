#include "tools/chaos/load_driver.h"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "client/cpp/testing/fake_clock.h"
#include "client/cpp/testing/fake_gateway.h"
#include "gtest/gtest.h"
#include "services/common/crypto/sha256.h"
#include "tests/testing/file_contents.h"

namespace ingest::chaos {
namespace {

using client::testing::FakeGateway;
using client::testing::RecordedCall;
using client::testing::Reply;

Reply Status(grpc::StatusCode code, std::string message) {
  return Reply{code, std::move(message), {}};
}

class LoadDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    first_ = FakeGateway::Start();
    second_ = FakeGateway::Start();
    ASSERT_NE(first_, nullptr);
    ASSERT_NE(second_, nullptr);
    ASSERT_NE(log_file_, nullptr);
  }
  void TearDown() override { std::fclose(log_file_); }

  // A driver for `options` to `gateways` (1 or 2 of the fakes), payloads of
  // 2048..4096 bytes (streamed: 9000) from seed 3.
  LoadDriver Driver(ChaosOptions options, int gateways = 1) {
    options.gateways = {first_->address()};
    if (gateways == 2) options.gateways.push_back(second_->address());
    options.api_key = "sk_test";
    options.min_payload_bytes = 2048;
    options.max_payload_bytes = 4096;
    options.stream_bytes = 9000;
    options.seed = 3;
    options.name = "test";
    return LoadDriver(options, ledger_, recorder_, console_, clock_, &sdk_clock_);
  }

  std::string Log() { return FileContents(log_file_); }

  std::unique_ptr<FakeGateway> first_;
  std::unique_ptr<FakeGateway> second_;
  client::testing::FakeClock clock_;
  client::testing::FakeClock sdk_clock_;
  const loadgen::PayloadFactory unary_{{.seed = 3, .min_bytes = 2048, .max_bytes = 4096}};
  const loadgen::PayloadFactory streamed_{{.seed = 3, .min_bytes = 9000, .max_bytes = 9000}};
  loadgen::Ledger ledger_;
  RunRecorder recorder_{clock_.Now()};
  std::FILE* log_file_ = std::tmpfile();
  console::Console console_{log_file_, /*is_tty=*/false};
};

TEST_F(LoadDriverTest, PlaysSessionsOneAfterAnotherUntilTheLoadEnds) {
  LoadDriver driver = Driver(
      {.sessions = 1, .payload_interval = absl::Milliseconds(100), .payloads_per_session = 3});
  // Payloads at 0, 100, 200 ms (session 1), 300, 400 ms (session 2); the
  // pause after the fifth reaches the end.
  const LoadStats stats = driver.RunThread(0, clock_.Now() + absl::Milliseconds(500));
  EXPECT_EQ(stats.sessions_started, 2);
  EXPECT_EQ(stats.acked, 5);
  EXPECT_EQ(stats.given_up, 0);

  const std::vector<RecordedCall> inits = first_->calls("InitializeSession");
  ASSERT_EQ(inits.size(), 2u);
  ingest::v1::InitializeSessionRequest init;
  ASSERT_TRUE(init.ParseFromString(inits[0].request_bytes));
  EXPECT_EQ(init.client_id(), "chaos-3-0");
  ASSERT_TRUE(init.ParseFromString(inits[1].request_bytes));
  EXPECT_EQ(init.client_id(), "chaos-3-1");  // seed 3, session_index 1 * 1 + 0
  const std::vector<RecordedCall> pushes = first_->calls("PushPayload");
  ASSERT_EQ(pushes.size(), 5u);
  std::vector<std::pair<std::string, uint64_t>> keys;
  for (const RecordedCall& push : pushes) keys.emplace_back(push.session_id, push.payload_id);
  EXPECT_EQ(keys, (std::vector<std::pair<std::string, uint64_t>>{{"fake-session-1", 1},
                                                                 {"fake-session-1", 2},
                                                                 {"fake-session-1", 3},
                                                                 {"fake-session-2", 1},
                                                                 {"fake-session-2", 2}}));
  // Chaos sessions stay live: not even a session's last payload unloads it.
  ingest::v1::PushPayloadRequest last_of_first;
  ASSERT_TRUE(last_of_first.ParseFromString(pushes[2].request_bytes));
  EXPECT_FALSE(last_of_first.has_session_unloaded());

  // The ledger holds what the worker must store: the serialized content.
  const std::vector<loadgen::LedgerEntry> entries = ledger_.Entries();
  ASSERT_EQ(entries.size(), 5u);
  const std::string content = unary_.Make(1, 2).SerializeAsString();
  EXPECT_EQ(entries[4].session_id, "fake-session-2");
  EXPECT_EQ(entries[4].payload_id, 2u);
  EXPECT_EQ(entries[4].size_bytes, content.size());
  EXPECT_EQ(entries[4].sha256_hex, Sha256Hex(content));
  EXPECT_EQ(pushes[4].content, content);

  const RunRecord record = recorder_.Snapshot();
  EXPECT_EQ(recorder_.totals().attempts, 7);  // 2 inits + 5 pushes
  EXPECT_EQ(recorder_.totals().acked, 5);
  EXPECT_EQ(record.last_ack, clock_.Now() - absl::Milliseconds(100));
  EXPECT_EQ(recorder_.totals().retries, 0);
  EXPECT_EQ(Log(), "");
}

TEST_F(LoadDriverTest, RetriesTheSameBytesOnTheNextGateway) {
  first_->Script("PushPayload", {Status(grpc::StatusCode::UNAVAILABLE, "broker gone")});
  second_->Script("PushPayload", {Status(grpc::StatusCode::UNAVAILABLE, "shutting down")});
  LoadDriver driver = Driver({.sessions = 1, .payloads_per_session = 1}, /*gateways=*/2);
  const LoadStats stats = driver.RunThread(0, clock_.Now() + absl::Milliseconds(1));
  EXPECT_EQ(stats.acked, 1);

  // Thread 0: attempt 1 on gateway 0; UNAVAILABLE moves attempt 2 to
  // gateway 1 and attempt 3 back to 0.
  const std::vector<RecordedCall> on_first = first_->calls("PushPayload");
  const std::vector<RecordedCall> on_second = second_->calls("PushPayload");
  ASSERT_EQ(on_first.size(), 2u);
  ASSERT_EQ(on_second.size(), 1u);
  EXPECT_EQ(on_second[0].request_bytes, on_first[0].request_bytes);
  EXPECT_EQ(on_first[1].request_bytes, on_first[0].request_bytes);

  const std::optional<RetrySummary> retries = recorder_.TakeRetries();
  ASSERT_TRUE(retries.has_value());
  EXPECT_EQ(retries->retries, 2);
  EXPECT_EQ(retries->calls_retrying, 0) << "the call got through";
  EXPECT_EQ(retries->last_gateway, second_->address());
  EXPECT_EQ(retries->last_error.code(), absl::StatusCode::kUnavailable);
  const RunTotals totals = recorder_.totals();
  EXPECT_EQ(totals.attempts, 4);
  EXPECT_EQ(totals.errors, 2);
  EXPECT_EQ(ledger_.size(), 1u);
  EXPECT_EQ(sdk_clock_.waits().size(), 2u);
}

TEST_F(LoadDriverTest, StreamsEveryNthPayloadWithItsDigest) {
  LoadDriver driver = Driver({.sessions = 1,
                              .payload_interval = absl::Milliseconds(1),
                              .payloads_per_session = 4,
                              .stream_every = 2});
  driver.RunThread(0, clock_.Now() + absl::Milliseconds(4));

  EXPECT_EQ(first_->calls("PushPayload").size(), 2u);  // payloads 1 and 3
  const std::vector<RecordedCall> streams = first_->calls("PushPayloadStream");
  ASSERT_EQ(streams.size(), 2u);
  for (size_t i = 0; i < streams.size(); ++i) {
    const RecordedCall& stream = streams[i];
    EXPECT_EQ(stream.payload_id, 2 * (i + 1));
    EXPECT_EQ(stream.session_id, "fake-session-1");
    EXPECT_EQ(stream.content, streamed_.Make(0, 2 * (i + 1)).SerializeAsString());
    EXPECT_EQ(stream.content.size(), 9000u);
    EXPECT_EQ(stream.sha256, Sha256(stream.content));
  }
  const std::vector<loadgen::LedgerEntry> entries = ledger_.Entries();
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[1].payload_id, 2u);
  EXPECT_EQ(entries[1].size_bytes, 9000u);
  EXPECT_EQ(entries[1].sha256_hex, Sha256Hex(streams[0].content));
}

TEST_F(LoadDriverTest, APayloadGivenUpIsSkippedAndTheSessionGoesOn) {
  first_->Script("PushPayload", {Status(grpc::StatusCode::INVALID_ARGUMENT, "too big")});
  LoadDriver driver =
      Driver({.sessions = 1, .payload_interval = absl::Milliseconds(1), .payloads_per_session = 2});
  const LoadStats stats = driver.RunThread(0, clock_.Now() + absl::Milliseconds(2));
  EXPECT_EQ(stats.acked, 1);
  EXPECT_EQ(stats.given_up, 1);
  EXPECT_EQ(Log().rfind("chaos test: gave up on session 0 payload 1 (sid=fake-session-1) after 1 "
                        "attempt: INVALID_ARGUMENT: too big",
                        0),
            0u)
      << Log();
  const std::vector<loadgen::LedgerEntry> entries = ledger_.Entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].payload_id, 2u);
}

TEST_F(LoadDriverTest, ARefusedSessionIsGivenUpAndANewOneStartedAfterAPause) {
  first_->Script("InitializeSession",
                 {Status(grpc::StatusCode::PERMISSION_DENIED, "wrong project")});
  LoadDriver driver = Driver({.sessions = 1, .payloads_per_session = 1});
  const LoadStats stats = driver.RunThread(0, clock_.Now() + absl::Seconds(3));
  EXPECT_EQ(stats.given_up, 1);
  EXPECT_GE(stats.sessions_started, 1);
  ASSERT_FALSE(clock_.waits().empty());
  EXPECT_EQ(clock_.waits()[0], absl::Seconds(2));  // the backoff cap
  EXPECT_EQ(Log().rfind("chaos test: gave up on session 0 InitializeSession after 1 attempt: "
                        "PERMISSION_DENIED: wrong project",
                        0),
            0u)
      << Log();
}

TEST_F(LoadDriverTest, ThreadsStartOnTheirOwnGateway) {
  LoadDriver driver = Driver({.sessions = 2, .payloads_per_session = 1}, /*gateways=*/2);
  driver.RunThread(1, clock_.Now() + absl::Milliseconds(1));
  EXPECT_TRUE(first_->calls("InitializeSession").empty());
  const std::vector<RecordedCall> inits = second_->calls("InitializeSession");
  ASSERT_EQ(inits.size(), 1u);
  ingest::v1::InitializeSessionRequest init;
  ASSERT_TRUE(init.ParseFromString(inits[0].request_bytes));
  EXPECT_EQ(init.client_id(), "chaos-3-1");
  EXPECT_EQ(second_->calls("PushPayload").size(), 1u);
}

TEST_F(LoadDriverTest, RunAddsUpItsThreads) {
  LoadDriver driver = Driver({.sessions = 3,
                              .duration = absl::Seconds(1),
                              .payload_interval = absl::Milliseconds(100),
                              .payloads_per_session = 2},
                             /*gateways=*/2);
  // The threads share the fake clock, so how the second is split between
  // them varies; the totals must agree.
  const LoadStats stats = driver.Run();
  EXPECT_GE(stats.sessions_started, 1);
  EXPECT_GE(stats.acked, 1);
  EXPECT_EQ(stats.acked, static_cast<int64_t>(ledger_.size()));
  EXPECT_EQ(stats.acked, recorder_.totals().acked);
  EXPECT_EQ(stats.sessions_started,
            static_cast<int64_t>(first_->calls("InitializeSession").size() +
                                 second_->calls("InitializeSession").size()));
}

}  // namespace
}  // namespace ingest::chaos
