#include "tools/chaos/run.h"

#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "client/cpp/testing/fake_clock.h"
#include "client/cpp/testing/fake_gateway.h"
#include "gtest/gtest.h"
#include "services/common/crypto/sha256.h"
#include "tests/testing/file_contents.h"
#include "tools/chaos/verdict.h"

namespace ingest::chaos {
namespace {

using client::testing::FakeGateway;
using client::testing::RecordedCall;
using client::testing::Reply;

// A pipeline that stores every payload the gateway received once by key (as
// the worker does), in order, except the push told to `drop`.
class FakeRows final : public loadgen::RowReader {
 public:
  explicit FakeRows(const FakeGateway& gateway) : gateway_(gateway) {}

  absl::StatusOr<std::vector<loadgen::PayloadKey>> ReadPresentKeys(
      absl::Span<const std::string>) override {
    std::vector<loadgen::PayloadKey> keys;
    for (const loadgen::StoredPayload& payload : Stored().payloads) {
      keys.push_back({payload.session_id, payload.payload_id});
    }
    return keys;
  }

  absl::StatusOr<loadgen::StoredRows> ReadRows(absl::Span<const std::string>) override {
    return Stored();
  }

  int drop_payload_number = -1;  // the Nth push (0-based) never lands

 private:
  loadgen::StoredRows Stored() const {
    loadgen::StoredRows rows;
    std::map<std::string, int64_t> counts;
    std::set<std::pair<std::string, uint64_t>> stored;
    int64_t seq = 0;
    for (const RecordedCall& push : gateway_.calls("PushPayload")) {
      if (seq++ == drop_payload_number) continue;
      if (!stored.emplace(push.session_id, push.payload_id).second) continue;
      rows.payloads.push_back({.session_id = push.session_id,
                               .payload_id = push.payload_id,
                               .head_rows = 1,
                               .rows = 1,
                               .first_seq = seq,
                               .size_bytes = static_cast<int64_t>(push.content.size()),
                               .sha256_hex = Sha256Hex(push.content)});
      ++counts[push.session_id];
    }
    for (const auto& [session, count] : counts) rows.sessions.push_back({session, count});
    return rows;
  }

  const FakeGateway& gateway_;
};

// A topic that holds every payload asked about (`holds`) or none.
class FakeTopic final : public TopicPayloadSource {
 public:
  absl::StatusOr<TopicPayloads> Find(absl::Span<const loadgen::PayloadKey> wanted) override {
    TopicPayloads found;
    if (holds) {
      for (const loadgen::PayloadKey& key : wanted) found.Add(key, 0, 1);
    }
    return found;
  }

  bool holds = false;
};

// Kafka and PostgreSQL agree: no lag.
class NoLag final : public CommittedOffsetSource, public HighWatermarkSource {
 public:
  absl::StatusOr<int64_t> SumNextOffsets() override { return 7; }
  absl::StatusOr<int64_t> SumHighWatermarks() override { return 7; }
};

class RunScenarioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(gateway_, nullptr);
    ASSERT_NE(out_, nullptr);
    ASSERT_NE(err_, nullptr);
    options_.name = "smoke";
    options_.gateways = {gateway_->address()};
    options_.api_key = "k";
    options_.pg_dsn = "unused";
    options_.kafka_bootstrap = "unused";
    options_.sessions = 1;
    options_.duration = absl::Seconds(30);
    options_.payload_interval = absl::Milliseconds(100);
    options_.payloads_per_session = 100;
    options_.min_payload_bytes = 1024;
    options_.max_payload_bytes = 2048;
    options_.marks_file = ::testing::TempDir() + "/run_test_marks";
    std::remove(options_.marks_file.c_str());
  }
  void TearDown() override {
    std::fclose(out_);
    std::fclose(err_);
  }

  // Fault from 12 s to 18 s into the load (the fake clock starts the load).
  void WriteMarks() {
    const int64_t start_ms = absl::ToUnixMillis(clock_.Now());
    std::FILE* file = std::fopen(options_.marks_file.c_str(), "w");
    ASSERT_NE(file, nullptr);
    std::fprintf(file, "fault_start %lld\nfault_end %lld\n",
                 static_cast<long long>(start_ms + 12'000),
                 static_cast<long long>(start_ms + 18'000));
    std::fclose(file);
  }

  int Run(TopicPayloadSource* topic = nullptr) {
    Collaborators with{.rows = &rows_,
                       .offsets = &lag_,
                       .watermarks = &lag_,
                       .topic_payloads = topic,
                       .initial_lag = LagTracker(7, 7),
                       .sdk_clock = &sdk_clock_};
    return RunScenario(options_, with, console_, out_, clock_);
  }

  ChaosOptions options_;
  client::testing::FakeClock clock_;
  client::testing::FakeClock sdk_clock_;
  const std::unique_ptr<FakeGateway> gateway_ = FakeGateway::Start();
  FakeRows rows_{*gateway_};
  NoLag lag_;
  std::FILE* out_ = std::tmpfile();
  std::FILE* err_ = std::tmpfile();
  console::Console console_{err_, /*is_tty=*/false};
};

TEST_F(RunScenarioTest, AHealthyRunPrintsTheTwoLinesAndPasses) {
  WriteMarks();
  EXPECT_EQ(Run(), kExitOk) << FileContents(err_);
  // One payload every 100 ms for 30 s, a new session every 100 payloads:
  // seconds 10 and 11 hold 21 attempts (one InitializeSession), 12..17 hold 60.
  EXPECT_EQ(FileContents(out_),
            "chaos smoke: gateway before_fault calls=21 errors=0 p50_ms=0.0 p99_ms=0.0 "
            "during_fault calls=60 errors=0 p99_ms=0.0\n"
            "chaos smoke: acked=300 persisted=300 lost=0 duplicates=0 out_of_order=0 "
            "gateway_errors=0 recovery_s=0.0 max_lag=0\n");
  EXPECT_EQ(gateway_->calls("InitializeSession").size(), 3u);
}

TEST_F(RunScenarioTest, MissingMarksFailWithoutResultLines) {
  EXPECT_EQ(Run(), kExitFailed);
  EXPECT_EQ(FileContents(out_), "");
  EXPECT_NE(FileContents(err_).find("no usable fault marks"), std::string::npos)
      << FileContents(err_);
}

TEST_F(RunScenarioTest, ALostPayloadFailsTheRun) {
  WriteMarks();
  rows_.drop_payload_number = 42;
  EXPECT_EQ(Run(), kExitFailed);
  EXPECT_NE(FileContents(out_).find("acked=300 persisted=299 lost=1 "), std::string::npos)
      << FileContents(out_);
  EXPECT_NE(FileContents(err_).find("FAILED: lost=1"), std::string::npos) << FileContents(err_);
}

TEST_F(RunScenarioTest, ALostPayloadInTheTopicIsStalled) {
  WriteMarks();
  rows_.drop_payload_number = 42;
  FakeTopic topic;
  topic.holds = true;
  EXPECT_EQ(Run(&topic), kExitFailed);
  EXPECT_NE(FileContents(out_).find("lost=1 "), std::string::npos) << FileContents(out_);
  EXPECT_NE(FileContents(out_).find("max_lag=0 absent_from_kafka=0 stalled=1\n"), std::string::npos)
      << FileContents(out_);
  EXPECT_NE(FileContents(err_).find("FAILED: stalled=1: "), std::string::npos)
      << FileContents(err_);
}

TEST_F(RunScenarioTest, ALostPayloadNotInTheTopicIsAbsentFromKafka) {
  WriteMarks();
  rows_.drop_payload_number = 42;
  FakeTopic topic;
  EXPECT_EQ(Run(&topic), kExitFailed);
  EXPECT_NE(FileContents(out_).find("max_lag=0 absent_from_kafka=1 stalled=0\n"), std::string::npos)
      << FileContents(out_);
  EXPECT_NE(FileContents(err_).find("FAILED: absent_from_kafka=1: "), std::string::npos)
      << FileContents(err_);
}

TEST_F(RunScenarioTest, AnErrorDuringTheFaultFailsExpectGatewayUnaffected) {
  WriteMarks();
  options_.expect_gateway_unaffected = true;
  std::vector<Reply> script(120);  // OK: payloads at 0 .. 11.9 s
  script.push_back(Reply{grpc::StatusCode::UNAVAILABLE, "kafka slow", {}});  // the one at 12.0 s
  gateway_->Script("PushPayload", script);
  EXPECT_EQ(Run(), kExitFailed);
  const std::string out = FileContents(out_);
  EXPECT_NE(out.find("during_fault calls=61 errors=1 "), std::string::npos) << out;
  EXPECT_NE(out.find("acked=300 persisted=300 lost=0 duplicates=0 out_of_order=0 "
                     "gateway_errors=1 "),
            std::string::npos)
      << out;
  EXPECT_NE(FileContents(err_).find("FAILED: expect_gateway_unaffected: 1 of 61"),
            std::string::npos)
      << FileContents(err_);
}

}  // namespace
}  // namespace ingest::chaos
