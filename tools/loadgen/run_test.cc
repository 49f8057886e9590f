#include "tools/loadgen/run.h"

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "client/cpp/testing/fake_clock.h"
#include "client/cpp/testing/fake_gateway.h"
#include "gtest/gtest.h"
#include "services/common/crypto/sha256.h"
#include "services/common/facts/payload_facts_extractor.h"
#include "services/common/facts/session_summary.h"

namespace ingest::loadgen {
namespace {

// An in-memory worker + database behind the SDK's fake gateway: every
// payload the gateway acknowledged is "stored" (its facts read by the real
// extractor and folded into its session's summary), except the ones listed in
// `drop` (acknowledged but never stored) and `corrupt` (stored with one byte
// changed). A session whose payload said the page unloaded is completed,
// unless `never_complete`. The rows are derived from what the gateway
// recorded each time they are read. Thread-safe.
class FakePipeline final : public RowReader {
 public:
  FakePipeline() : gateway_(client::testing::FakeGateway::Start()) {}

  std::set<std::pair<int, uint64_t>> drop;     // (session number, payload id)
  std::set<std::pair<int, uint64_t>> corrupt;  // (session number, payload id)
  std::set<int> wrong_summary;  // session numbers whose summary counts a click too many
  bool never_complete = false;

  const std::string& address() const { return gateway_->address(); }

  absl::StatusOr<std::vector<SessionStatus>> ReadSessionStatuses(
      absl::Span<const std::string> session_ids) override {
    const Stored stored = Read();
    absl::MutexLock lock(&mu_);
    ++status_polls_;
    std::vector<SessionStatus> statuses;
    for (const std::string& id : session_ids) statuses.push_back({id, StatusOf(stored, id)});
    return statuses;
  }

  // ReadSessionStatuses calls so far.
  int status_polls() const {
    absl::MutexLock lock(&mu_);
    return status_polls_;
  }

  absl::StatusOr<std::vector<PayloadKey>> ReadPresentKeys(absl::Span<const std::string>) override {
    std::vector<PayloadKey> keys;
    for (const StoredPayload& p : Read().payloads) keys.push_back({p.session_id, p.payload_id});
    return keys;
  }

  absl::StatusOr<StoredRows> ReadRows(absl::Span<const std::string>) override {
    Stored stored = Read();
    StoredRows rows{.payloads = stored.payloads};
    for (const auto& [id, facts] : stored.facts) {
      std::vector<IdentifiedFacts> folded;
      for (const auto& [payload_id, f] : facts) folded.push_back({payload_id, &f});
      v1::SessionSummary summary = SummarizeSession(folded, RageClickRule{});
      if (wrong_summary.contains(Number(id))) summary.set_clicks(summary.clicks() + 1);
      rows.sessions.push_back({.session_id = id,
                               .payload_count = static_cast<int64_t>(facts.size()),
                               .status = StatusOf(stored, id),
                               .summary = summary.SerializeAsString()});
    }
    return rows;
  }

 private:
  struct Stored {
    std::vector<StoredPayload> payloads;
    // By session (every session started), by payload id.
    std::map<std::string, std::map<uint64_t, v1::PayloadFacts>> facts;
    std::set<std::string> completed;
  };

  // "fake-session-3" -> 3.
  static int Number(const std::string& session_id) {
    return std::stoi(session_id.substr(session_id.rfind('-') + 1));
  }

  std::string StatusOf(const Stored& stored, const std::string& id) const {
    return stored.completed.contains(id) ? "completed" : "live";
  }

  // What the worker would have stored from what the gateway acknowledged.
  Stored Read() const {
    Stored stored;
    const int sessions = static_cast<int>(gateway_->calls("InitializeSession").size());
    for (int n = 1; n <= sessions; ++n) stored.facts[absl::StrCat("fake-session-", n)];
    int64_t seq = 0;
    for (const client::testing::RecordedCall& call : gateway_->calls("PushPayload")) {
      v1::PushPayloadRequest request;
      EXPECT_TRUE(request.ParseFromString(call.request_bytes));
      const std::pair<int, uint64_t> key{Number(request.session_id()), request.payload_id()};
      if (drop.contains(key)) continue;
      std::string bytes = request.content().SerializeAsString();
      if (corrupt.contains(key)) bytes[bytes.size() / 2] ^= 1;
      stored.payloads.push_back({.session_id = request.session_id(),
                                 .payload_id = request.payload_id(),
                                 .head_rows = 1,
                                 .rows = 1,
                                 .first_seq = ++seq,
                                 .size_bytes = static_cast<int64_t>(bytes.size()),
                                 .sha256_hex = Sha256Hex(bytes)});
      stored.facts[request.session_id()][request.payload_id()] =
          ExtractPayloadFacts(request.content());
      if (request.has_session_unloaded() && !never_complete) {
        stored.completed.insert(request.session_id());
      }
    }
    return stored;
  }

  const std::unique_ptr<client::testing::FakeGateway> gateway_;
  mutable absl::Mutex mu_;
  int status_polls_ ABSL_GUARDED_BY(mu_) = 0;
};

class RunAndVerifyTest : public testing::Test {
 protected:
  RunAndVerifyTest() {
    options_.pg_dsn = "fake";
    options_.sessions = 4;
    options_.payloads_per_session = 5;
    options_.min_payload_bytes = 1024;
    options_.max_payload_bytes = 64 * 1024;
    options_.concurrency = 2;
    options_.verify_timeout = absl::Seconds(2);
    options_.label = "test";
  }
  ~RunAndVerifyTest() override { std::fclose(log_); }

  absl::StatusOr<RunSummary> Run() {
    client::ClientOptions sdk;
    sdk.targets = {pipeline_.address()};
    sdk.api_key = "sk_test";
    sdk.clock = &sdk_clock_;
    return RunAndVerify(options_, sdk, pipeline_, console_, clock_);
  }

  LoadgenOptions options_;
  FakePipeline pipeline_;
  client::testing::FakeClock clock_;
  client::testing::FakeClock sdk_clock_;
  std::FILE* log_ = std::tmpfile();
  console::Console console_{log_, /*is_tty=*/false};
};

TEST_F(RunAndVerifyTest, CleanPipelineVerifiesEverything) {
  const absl::StatusOr<RunSummary> summary = Run();
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(FormatSummaryLine(*summary),
            "test: sessions=4 payloads=20 acked=20 persisted=20 lost=0 "
            "duplicates=0 out_of_order=0 mismatched=0 summaries_exact=4 "
            "sessions_completed=4");
  EXPECT_EQ(ExitCodeFor(*summary), kExitOk);
  // Completed at the first status check: no wait.
  EXPECT_EQ(pipeline_.status_polls(), 1);
}

TEST_F(RunAndVerifyTest, AWrongSummaryFailsTheRun) {
  pipeline_.wrong_summary = {2};
  const absl::StatusOr<RunSummary> summary = Run();
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->summaries.summaries_exact, 3);
  EXPECT_EQ(summary->summaries.summaries_mismatched, 1);
  ASSERT_EQ(summary->summaries.problems.size(), 1u);
  EXPECT_NE(summary->summaries.problems[0].find("clicks"), std::string::npos)
      << summary->summaries.problems[0];
  EXPECT_EQ(ExitCodeFor(*summary), kExitFailed);
}

TEST_F(RunAndVerifyTest, SessionsNotCompletedByTheDeadlineFailTheRun) {
  pipeline_.never_complete = true;
  options_.completion_timeout = absl::Seconds(3);
  const absl::Time start = clock_.Now();
  const absl::StatusOr<RunSummary> summary = Run();
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->summaries.sessions_completed, 0);
  EXPECT_EQ(summary->summaries.completions_missing, 4);
  EXPECT_EQ(summary->summaries.summaries_exact, 4);
  EXPECT_EQ(ExitCodeFor(*summary), kExitFailed);
  // Waited for the completion deadline, not longer.
  EXPECT_EQ(clock_.Now() - start, absl::Seconds(3));
}

TEST_F(RunAndVerifyTest, ZeroCompletionTimeoutDoesNotRequireCompletion) {
  pipeline_.never_complete = true;
  options_.completion_timeout = absl::ZeroDuration();
  const absl::StatusOr<RunSummary> summary = Run();
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->summaries.sessions_completed, 0);
  EXPECT_EQ(summary->summaries.completions_missing, 0);
  EXPECT_EQ(ExitCodeFor(*summary), kExitOk);
  EXPECT_EQ(pipeline_.status_polls(), 0);
}

TEST_F(RunAndVerifyTest, DetectsLostAndCorruptedPayloads) {
  pipeline_.drop = {{1, 3}};
  pipeline_.corrupt = {{2, 5}, {4, 1}};
  const absl::StatusOr<RunSummary> summary = Run();
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->acked, 20);
  EXPECT_EQ(summary->report.persisted, 19);
  EXPECT_EQ(summary->report.lost, 1);
  EXPECT_EQ(summary->report.mismatched, 2);
  // The fake's summaries fold what it stored; session 1 lacks payload 3,
  // and the expected summary leaves it out too.
  EXPECT_EQ(summary->summaries.summaries_exact, 4);
  EXPECT_EQ(ExitCodeFor(*summary), kExitFailed);
  // The wait for the lost payload ends at the deadline, not before.
  EXPECT_GE(clock_.Now() - absl::FromUnixSeconds(1'700'000'000), absl::Seconds(2));
}

TEST_F(RunAndVerifyTest, WritesTheLedger) {
  options_.ledger_out = absl::StrCat(testing::TempDir(), "/run_test_ledger.tsv");
  ASSERT_TRUE(Run().ok());
  std::ifstream in(options_.ledger_out);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) ++lines;
  EXPECT_EQ(lines, 1 + 20);  // header + one per acknowledged payload
  std::remove(options_.ledger_out.c_str());
}

}  // namespace
}  // namespace ingest::loadgen
