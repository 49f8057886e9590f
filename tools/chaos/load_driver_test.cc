#include "tools/chaos/load_driver.h"

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "services/common/crypto/sha256.h"
#include "tools/loadgen/fake_clock.h"
#include "tools/loadgen/fake_ingest_client.h"

namespace ingest::chaos {
namespace {

using loadgen::FakeIngestClient;

class RecordingObserver final : public LoadObserver {
 public:
  void OnRetry(const RetryEvent& event) override {
    absl::MutexLock lock(&mu_);
    retries.push_back(event);
  }
  void OnCallDone(int attempts) override {
    absl::MutexLock lock(&mu_);
    calls.push_back(attempts);
  }
  void OnGiveUp(const GiveUp& give_up) override {
    absl::MutexLock lock(&mu_);
    give_ups.push_back(give_up);
  }

  absl::Mutex mu_;
  std::vector<RetryEvent> retries;
  std::vector<int> calls;
  std::vector<GiveUp> give_ups;
};

class LoadDriverTest : public ::testing::Test {
 protected:
  LoadDriver Driver(LoadOptions options, std::vector<loadgen::IngestClient*> gateways) {
    return LoadDriver(options, std::move(gateways), unary_, streamed_, ledger_, recorder_,
                      observer_, clock_);
  }

  loadgen::FakeClock clock_;
  const loadgen::PayloadFactory unary_{{.seed = 3, .min_bytes = 2048, .max_bytes = 4096}};
  const loadgen::PayloadFactory streamed_{{.seed = 3, .min_bytes = 9000, .max_bytes = 9000}};
  loadgen::Ledger ledger_;
  RunRecorder recorder_{clock_.Now()};
  RecordingObserver observer_;
};

TEST_F(LoadDriverTest, PlaysSessionsOneAfterAnotherUntilTheLoadEnds) {
  FakeIngestClient gateway;
  LoadDriver driver = Driver({.sessions = 1,
                              .payload_interval = absl::Milliseconds(100),
                              .payloads_per_session = 3},
                             {&gateway});
  // Payloads at 0, 100, 200 ms (session 1), 300, 400 ms (session 2); the
  // pause after the fifth reaches the end.
  const LoadStats stats = driver.RunThread(0, clock_.Now() + absl::Milliseconds(500));
  EXPECT_EQ(stats.sessions_started, 2);
  EXPECT_EQ(stats.acked, 5);
  EXPECT_EQ(stats.given_up, 0);

  const std::vector<ingest::v1::InitializeSessionRequest> inits = gateway.init_requests();
  ASSERT_EQ(inits.size(), 2u);
  EXPECT_EQ(inits[0].client_id(), "chaos-1-0");
  EXPECT_EQ(inits[1].client_id(), "chaos-1-1");  // session_index 1 * 1 + 0
  const std::vector<ingest::v1::PushPayloadRequest> pushes = gateway.push_requests();
  ASSERT_EQ(pushes.size(), 5u);
  std::vector<std::pair<std::string, uint64_t>> keys;
  for (const auto& push : pushes) keys.emplace_back(push.session_id(), push.payload_id());
  EXPECT_EQ(keys, (std::vector<std::pair<std::string, uint64_t>>{
                      {"session-1", 1}, {"session-1", 2}, {"session-1", 3},
                      {"session-2", 1}, {"session-2", 2}}));

  // The ledger holds what the worker must store: the serialized content.
  const std::vector<loadgen::LedgerEntry> entries = ledger_.Entries();
  ASSERT_EQ(entries.size(), 5u);
  const std::string content = unary_.Make(1, 2).SerializeAsString();
  EXPECT_EQ(entries[4].session_id, "session-2");
  EXPECT_EQ(entries[4].payload_id, 2u);
  EXPECT_EQ(entries[4].size_bytes, content.size());
  EXPECT_EQ(entries[4].sha256_hex, Sha256Hex(content));
  EXPECT_EQ(pushes[4].content().SerializeAsString(), content);

  const RunRecord record = recorder_.Snapshot();
  EXPECT_EQ(recorder_.totals().attempts, 7);  // 2 inits + 5 pushes
  EXPECT_EQ(recorder_.totals().acked, 5);
  EXPECT_EQ(record.last_ack, clock_.Now() - absl::Milliseconds(100));
}

TEST_F(LoadDriverTest, RetriesTheSameBytesOnTheNextGateway) {
  FakeIngestClient first;
  FakeIngestClient second;
  first.ScriptPush({absl::UnavailableError("broker gone")});
  second.ScriptPush({absl::InternalError("RST_STREAM")});
  LoadDriver driver = Driver({.sessions = 1, .payloads_per_session = 1}, {&first, &second});
  const LoadStats stats = driver.RunThread(0, clock_.Now() + absl::Milliseconds(1));
  EXPECT_EQ(stats.acked, 1);

  // Thread 0: attempt 1 on gateway 0, attempt 2 on 1, attempt 3 on 0 again.
  ASSERT_EQ(first.push_requests().size(), 2u);
  ASSERT_EQ(second.push_requests().size(), 1u);
  const std::string sent = first.push_requests()[0].SerializeAsString();
  EXPECT_EQ(second.push_requests()[0].SerializeAsString(), sent);
  EXPECT_EQ(first.push_requests()[1].SerializeAsString(), sent);

  ASSERT_EQ(observer_.retries.size(), 2u);
  EXPECT_EQ(observer_.retries[0].gateway, 0);
  EXPECT_EQ(observer_.retries[1].gateway, 1);
  EXPECT_EQ(observer_.calls, (std::vector<int>{1, 3}));  // init, push
  const RunTotals totals = recorder_.totals();
  EXPECT_EQ(totals.attempts, 4);
  EXPECT_EQ(totals.errors, 2);
  EXPECT_EQ(ledger_.size(), 1u);
}

TEST_F(LoadDriverTest, StreamsEveryNthPayloadWithItsDigest) {
  FakeIngestClient gateway;
  LoadDriver driver =
      Driver({.sessions = 1,
              .payload_interval = absl::Milliseconds(1),
              .payloads_per_session = 4,
              .stream_every = 2},
             {&gateway});
  driver.RunThread(0, clock_.Now() + absl::Milliseconds(4));

  EXPECT_EQ(gateway.push_requests().size(), 2u);  // payloads 1 and 3
  const std::vector<FakeIngestClient::StreamedPush> streams = gateway.stream_requests();
  ASSERT_EQ(streams.size(), 2u);
  for (size_t i = 0; i < streams.size(); ++i) {
    const FakeIngestClient::StreamedPush& stream = streams[i];
    EXPECT_EQ(stream.header.payload_id(), 2 * (i + 1));
    EXPECT_EQ(stream.header.session_id(), "session-1");
    EXPECT_EQ(stream.content, streamed_.Make(0, 2 * (i + 1)).SerializeAsString());
    EXPECT_EQ(stream.header.total_bytes(), 9000u);
    EXPECT_EQ(stream.header.sha256(), Sha256(stream.content));
  }
  const std::vector<loadgen::LedgerEntry> entries = ledger_.Entries();
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[1].payload_id, 2u);
  EXPECT_EQ(entries[1].size_bytes, 9000u);
  EXPECT_EQ(entries[1].sha256_hex, Sha256Hex(streams[0].content));
  EXPECT_EQ(recorder_.Snapshot().seconds[0].stream_attempts, 2);
}

TEST_F(LoadDriverTest, APayloadGivenUpIsSkippedAndTheSessionGoesOn) {
  FakeIngestClient gateway;
  gateway.ScriptPush({absl::InvalidArgumentError("too big")});
  LoadDriver driver = Driver(
      {.sessions = 1, .payload_interval = absl::Milliseconds(1), .payloads_per_session = 2},
      {&gateway});
  const LoadStats stats = driver.RunThread(0, clock_.Now() + absl::Milliseconds(2));
  EXPECT_EQ(stats.acked, 1);
  EXPECT_EQ(stats.given_up, 1);
  ASSERT_EQ(observer_.give_ups.size(), 1u);
  EXPECT_EQ(observer_.give_ups[0].payload_id, 1u);
  EXPECT_EQ(observer_.give_ups[0].session_id, "session-1");
  EXPECT_EQ(observer_.give_ups[0].status.code(), absl::StatusCode::kInvalidArgument);
  const std::vector<loadgen::LedgerEntry> entries = ledger_.Entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].payload_id, 2u);
}

TEST_F(LoadDriverTest, ARefusedSessionIsGivenUpAndANewOneStartedAfterAPause) {
  FakeIngestClient gateway;
  gateway.ScriptInitialize({absl::PermissionDeniedError("wrong project")});
  LoadDriver driver = Driver({.sessions = 1, .payloads_per_session = 1}, {&gateway});
  const LoadStats stats = driver.RunThread(0, clock_.Now() + absl::Seconds(3));
  EXPECT_EQ(stats.given_up, 1);
  EXPECT_GE(stats.sessions_started, 1);
  ASSERT_FALSE(clock_.sleeps().empty());
  EXPECT_EQ(clock_.sleeps()[0], absl::Seconds(2));  // the backoff cap
  ASSERT_EQ(observer_.give_ups.size(), 1u);
  EXPECT_EQ(observer_.give_ups[0].payload_id, 0u);
}

TEST_F(LoadDriverTest, ThreadsStartOnTheirOwnGateway) {
  FakeIngestClient first;
  FakeIngestClient second;
  LoadDriver driver = Driver({.sessions = 2, .payloads_per_session = 1}, {&first, &second});
  driver.RunThread(1, clock_.Now() + absl::Milliseconds(1));
  EXPECT_TRUE(first.init_requests().empty());
  ASSERT_EQ(second.init_requests().size(), 1u);
  EXPECT_EQ(second.init_requests()[0].client_id(), "chaos-1-1");
  EXPECT_EQ(second.push_requests().size(), 1u);
}

TEST_F(LoadDriverTest, RunAddsUpItsThreads) {
  FakeIngestClient first;
  FakeIngestClient second;
  LoadDriver driver = Driver({.sessions = 3,
                              .duration = absl::Seconds(1),
                              .payload_interval = absl::Milliseconds(100),
                              .payloads_per_session = 2},
                             {&first, &second});
  // The threads share the fake clock, so how the second is split between
  // them varies; the totals must agree.
  const LoadStats stats = driver.Run();
  EXPECT_GE(stats.sessions_started, 1);
  EXPECT_GE(stats.acked, 1);
  EXPECT_EQ(stats.acked, static_cast<int64_t>(ledger_.size()));
  EXPECT_EQ(stats.acked, recorder_.totals().acked);
  EXPECT_EQ(stats.sessions_started,
            static_cast<int64_t>(first.init_requests().size() + second.init_requests().size()));
}

}  // namespace
}  // namespace ingest::chaos
