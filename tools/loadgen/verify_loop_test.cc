#include "tools/loadgen/verify_loop.h"

#include <string>
#include <vector>

#include "client/cpp/testing/fake_clock.h"
#include "gtest/gtest.h"

namespace ingest::loadgen {
namespace {

// Rows of session "s" appear one payload per presence check, up to
// `appear_up_to`. Can fail its first presence checks, or its final read.
class FakeRowReader final : public RowReader {
 public:
  explicit FakeRowReader(uint64_t appear_up_to) : appear_up_to_(appear_up_to) {}

  absl::StatusOr<std::vector<PayloadKey>> ReadPresentKeys(
      absl::Span<const std::string> session_ids) override {
    ++polls;
    last_session_ids.assign(session_ids.begin(), session_ids.end());
    if (failing_polls > 0) {
      --failing_polls;
      return absl::UnavailableError("connection reset");
    }
    visible_ = std::min(visible_ + 1, appear_up_to_);
    std::vector<PayloadKey> keys;
    for (uint64_t p = 1; p <= visible_; ++p) keys.push_back({"s", p});
    return keys;
  }

  absl::StatusOr<StoredRows> ReadRows(absl::Span<const std::string>) override {
    if (!final_read_error.ok()) return final_read_error;
    StoredRows rows;
    for (uint64_t p = 1; p <= visible_; ++p) {
      rows.payloads.push_back({.session_id = "s",
                               .payload_id = p,
                               .head_rows = 1,
                               .rows = 1,
                               .first_seq = static_cast<int64_t>(p),
                               .sha256_hex = "h"});
    }
    rows.sessions.push_back({"s", static_cast<int64_t>(visible_)});
    return rows;
  }

  // Sessions become completed one per status check, up to `complete_up_to`.
  absl::StatusOr<std::vector<SessionStatus>> ReadSessionStatuses(
      absl::Span<const std::string> session_ids) override {
    ++status_polls;
    if (failing_status_polls > 0) {
      --failing_status_polls;
      return absl::UnavailableError("connection reset");
    }
    completed_ = std::min(completed_ + 1, complete_up_to);
    std::vector<SessionStatus> statuses;
    for (size_t i = 0; i < session_ids.size(); ++i) {
      statuses.push_back({session_ids[i], static_cast<int>(i) < completed_ ? "completed" : "live"});
    }
    return statuses;
  }

  int polls = 0;
  int failing_polls = 0;
  int status_polls = 0;
  int failing_status_polls = 0;
  int complete_up_to = 0;
  absl::Status final_read_error;
  std::vector<std::string> last_session_ids;

 private:
  const uint64_t appear_up_to_;
  uint64_t visible_ = 0;
  int completed_ = 0;
};

std::vector<LedgerEntry> Ledger(uint64_t payloads) {
  std::vector<LedgerEntry> acked;
  for (uint64_t p = 1; p <= payloads; ++p) {
    acked.push_back({.session_id = "s", .payload_id = p, .sha256_hex = "h"});
  }
  return acked;
}

TEST(WaitAndVerifyTest, PollsUntilEveryAckedPayloadIsPresent) {
  FakeRowReader reader(/*appear_up_to=*/4);
  client::testing::FakeClock clock;
  std::vector<int64_t> progress;
  const absl::StatusOr<VerificationReport> report =
      WaitAndVerify(Ledger(4), reader, clock,
                    {.timeout = absl::Seconds(10), .poll_interval = absl::Milliseconds(250)},
                    {.on_poll = [&](int64_t present, int64_t expected) {
                      EXPECT_EQ(expected, 4);
                      progress.push_back(present);
                    }});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->persisted, 4);
  EXPECT_EQ(report->lost, 0);
  EXPECT_EQ(progress, (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(reader.polls, 4);
  EXPECT_EQ(clock.waits(), std::vector<absl::Duration>(3, absl::Milliseconds(250)));
  EXPECT_EQ(reader.last_session_ids, (std::vector<std::string>{"s"}));
}

TEST(WaitAndVerifyTest, CountsMissingPayloadsAsLostAtTheDeadline) {
  FakeRowReader reader(/*appear_up_to=*/2);
  client::testing::FakeClock clock;
  const absl::Time start = clock.Now();
  const absl::StatusOr<VerificationReport> report =
      WaitAndVerify(Ledger(5), reader, clock,
                    {.timeout = absl::Seconds(1), .poll_interval = absl::Milliseconds(300)}, {});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->persisted, 2);
  EXPECT_EQ(report->lost, 3);
  // Never waits past the deadline: 300 + 300 + 300 + 100 ms.
  EXPECT_EQ(clock.Now() - start, absl::Seconds(1));
  EXPECT_EQ(reader.polls, 5);
}

TEST(WaitAndVerifyTest, KeepsPollingThroughErrors) {
  FakeRowReader reader(/*appear_up_to=*/1);
  reader.failing_polls = 2;
  client::testing::FakeClock clock;
  int errors = 0;
  const absl::StatusOr<VerificationReport> report =
      WaitAndVerify(Ledger(1), reader, clock, {.timeout = absl::Seconds(5)},
                    {.on_poll_error = [&](const absl::Status&) { ++errors; }});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(errors, 2);
  EXPECT_EQ(report->persisted, 1);
}

TEST(WaitAndVerifyTest, FailsWhenTheFinalReadFails) {
  FakeRowReader reader(/*appear_up_to=*/1);
  reader.final_read_error = absl::UnavailableError("server closed");
  client::testing::FakeClock clock;
  const absl::StatusOr<VerificationReport> report = WaitAndVerify(Ledger(1), reader, clock, {}, {});
  EXPECT_EQ(report.status().code(), absl::StatusCode::kUnavailable);
}

TEST(WaitAndVerifyTest, EmptyLedgerDoesNotWait) {
  FakeRowReader reader(/*appear_up_to=*/0);
  client::testing::FakeClock clock;
  const absl::StatusOr<VerificationReport> report = WaitAndVerify({}, reader, clock, {}, {});
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(reader.polls, 0);
  EXPECT_TRUE(clock.waits().empty());
  EXPECT_EQ(report->persisted, 0);
}

TEST(WaitForRowsTest, ReturnsTheKeysOfTheLastCheck) {
  FakeRowReader reader(/*appear_up_to=*/2);
  client::testing::FakeClock clock;
  const std::vector<PayloadKey> present =
      WaitForRows(Ledger(3), reader, clock, {.timeout = absl::Seconds(1)}, {});
  EXPECT_EQ(present, (std::vector<PayloadKey>{{"s", 1}, {"s", 2}}));
}

TEST(WaitForCompletionTest, PollsUntilEverySessionIsCompleted) {
  FakeRowReader reader(/*appear_up_to=*/0);
  reader.complete_up_to = 3;
  reader.failing_status_polls = 1;
  client::testing::FakeClock clock;
  std::vector<int64_t> progress;
  int errors = 0;
  const std::vector<std::string> sessions = {"a", "b", "c"};
  const int64_t completed =
      WaitForCompletion(sessions, reader, clock,
                        {.timeout = absl::Seconds(10), .poll_interval = absl::Milliseconds(500)},
                        {.on_poll =
                             [&](int64_t found, int64_t expected) {
                               EXPECT_EQ(expected, 3);
                               progress.push_back(found);
                             },
                         .on_poll_error = [&](const absl::Status&) { ++errors; }});
  EXPECT_EQ(completed, 3);
  EXPECT_EQ(errors, 1);
  EXPECT_EQ(progress, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(reader.status_polls, 4);
  EXPECT_EQ(clock.waits(), std::vector<absl::Duration>(3, absl::Milliseconds(500)));
}

TEST(WaitForCompletionTest, StopsAtTheDeadline) {
  FakeRowReader reader(/*appear_up_to=*/0);
  reader.complete_up_to = 1;
  client::testing::FakeClock clock;
  const absl::Time start = clock.Now();
  const std::vector<std::string> sessions = {"a", "b"};
  EXPECT_EQ(WaitForCompletion(sessions, reader, clock,
                              {.timeout = absl::Seconds(2), .poll_interval = absl::Seconds(1)}, {}),
            1);
  EXPECT_EQ(clock.Now() - start, absl::Seconds(2));
  EXPECT_EQ(reader.status_polls, 3);
}

TEST(WaitForCompletionTest, NoSessionsDoesNotPoll) {
  FakeRowReader reader(/*appear_up_to=*/0);
  client::testing::FakeClock clock;
  EXPECT_EQ(WaitForCompletion({}, reader, clock, {}, {}), 0);
  EXPECT_EQ(reader.status_polls, 0);
  EXPECT_TRUE(clock.waits().empty());
}

}  // namespace
}  // namespace ingest::loadgen
