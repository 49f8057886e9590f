#include "tools/loadgen/summary_check.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ingest/v1/facts.pb.h"
#include "services/common/facts/session_summary.h"

namespace ingest::loadgen {
namespace {

// Facts that differ with both coordinates, clicks included.
v1::PayloadFacts FakeFacts(int session_index, uint64_t payload_id) {
  v1::PayloadFacts facts;
  facts.set_parsed(true);
  facts.set_event_count(10 * session_index + payload_id);
  for (int i = 0; i < 8; ++i) facts.add_events_by_type(i == 3 ? facts.event_count() : 0);
  facts.set_first_event_ms(1'000'000 * payload_id);
  facts.set_last_event_ms(1'000'000 * payload_id + 500);
  facts.set_interaction_count(1);
  facts.set_first_interaction_ms(facts.first_event_ms());
  facts.set_last_interaction_ms(facts.first_event_ms());
  facts.set_click_count(1);
  v1::Click* click = facts.add_clicks();
  click->set_timestamp_ms(facts.first_event_ms());
  click->set_x(session_index);
  click->set_y(static_cast<int>(payload_id));
  facts.add_pages(absl::StrCat("https://app.example/", payload_id % 2));
  facts.set_console_errors(payload_id);
  return facts;
}

// What the worker would store for these payloads of session `index`.
std::string SummaryBytes(int index, std::vector<uint64_t> ids) {
  std::vector<v1::PayloadFacts> facts;
  for (const uint64_t id : ids) facts.push_back(FakeFacts(index, id));
  std::vector<IdentifiedFacts> payloads;
  for (size_t i = 0; i < ids.size(); ++i) payloads.push_back({ids[i], &facts[i]});
  return SummarizeSession(payloads, RageClickRule{}).SerializeAsString();
}

LedgerEntry Acked(std::string session, int index, uint64_t payload) {
  return {.session_id = std::move(session), .session_index = index, .payload_id = payload};
}

StoredPayload Stored(std::string session, uint64_t payload) {
  return {.session_id = std::move(session), .payload_id = payload, .head_rows = 1, .rows = 1};
}

SummaryReport Check(const std::vector<LedgerEntry>& acked, const StoredRows& rows,
                    SummaryCheckOptions options = {.last_payload_id = 3}) {
  return CheckSummaries(acked, rows, FakeFacts, options);
}

TEST(CheckSummariesTest, ExactSummaryOfTheStoredPayloadsAndCompleted) {
  const std::vector<LedgerEntry> acked = {Acked("a", 4, 1), Acked("a", 4, 2), Acked("a", 4, 3)};
  const StoredRows rows{.payloads = {Stored("a", 1), Stored("a", 2), Stored("a", 3)},
                        .sessions = {{.session_id = "a",
                                      .payload_count = 3,
                                      .status = "completed",
                                      .summary = SummaryBytes(4, {1, 2, 3})}}};
  const SummaryReport report = Check(acked, rows);
  EXPECT_EQ(report.summaries_exact, 1);
  EXPECT_EQ(report.summaries_mismatched, 0);
  EXPECT_EQ(report.sessions_completed, 1);
  EXPECT_EQ(report.completions_missing, 0);
  EXPECT_TRUE(report.problems.empty());
}

TEST(CheckSummariesTest, FoldsEveryStoredPayloadOnceInIdOrder) {
  // Payload 2 was given up by the client but stored anyway; payload 1 is
  // stored twice (rows out of order).
  const std::vector<LedgerEntry> acked = {Acked("a", 0, 3), Acked("a", 0, 1)};
  const StoredRows rows{
      .payloads = {Stored("a", 3), Stored("a", 1), Stored("a", 2), Stored("a", 1)},
      .sessions = {
          {.session_id = "a", .status = "completed", .summary = SummaryBytes(0, {1, 2, 3})}}};
  EXPECT_EQ(Check(acked, rows).summaries_exact, 1);
}

TEST(CheckSummariesTest, ADifferentSummaryNamesTheFields) {
  const std::vector<LedgerEntry> acked = {Acked("a", 1, 1), Acked("a", 1, 2)};
  const StoredRows rows{
      .payloads = {Stored("a", 1), Stored("a", 2)},
      // The worker folded only payload 1.
      .sessions = {{.session_id = "a", .status = "live", .summary = SummaryBytes(1, {1})}}};
  const SummaryReport report = Check(acked, rows);
  EXPECT_EQ(report.summaries_exact, 0);
  EXPECT_EQ(report.summaries_mismatched, 1);
  ASSERT_EQ(report.problems.size(), 1u);
  const std::string& problem = report.problems[0];
  EXPECT_NE(problem.find("session a (index 1)"), std::string::npos) << problem;
  EXPECT_NE(problem.find("payloads: 2 -> 1"), std::string::npos) << problem;
  EXPECT_NE(problem.find("last_payload_id: 2 -> 1"), std::string::npos) << problem;
  EXPECT_EQ(problem.find('\n'), std::string::npos) << problem;
}

TEST(CheckSummariesTest, MissingRowNullOrGarbageSummaryIsAMismatch) {
  const std::vector<LedgerEntry> acked = {Acked("a", 0, 1), Acked("b", 1, 1), Acked("c", 2, 1)};
  const StoredRows rows{
      .payloads = {Stored("a", 1), Stored("b", 1), Stored("c", 1)},
      .sessions = {{.session_id = "b", .status = "live"},
                   {.session_id = "c", .status = "live", .summary = std::string("\xff\xff", 2)}}};
  const SummaryReport report = Check(acked, rows);
  EXPECT_EQ(report.summaries_mismatched, 3);
  EXPECT_EQ(report.summaries_exact, 0);
  ASSERT_EQ(report.problems.size(), 3u);
  EXPECT_NE(report.problems[0].find("no row"), std::string::npos) << report.problems[0];
  EXPECT_NE(report.problems[1].find("NULL"), std::string::npos) << report.problems[1];
  EXPECT_NE(report.problems[2].find("not a SessionSummary"), std::string::npos)
      << report.problems[2];
}

TEST(CheckSummariesTest, SessionThatStoredItsLastPayloadMustBeCompleted) {
  const std::vector<LedgerEntry> acked = {Acked("done", 0, 3), Acked("live", 1, 3),
                                          Acked("early", 2, 1)};
  const StoredRows rows{
      .payloads = {Stored("done", 3), Stored("live", 3), Stored("early", 1)},
      .sessions = {{.session_id = "done", .status = "completed", .summary = SummaryBytes(0, {3})},
                   {.session_id = "live", .status = "live", .summary = SummaryBytes(1, {3})},
                   // Its last payload is not stored: it may stay live.
                   {.session_id = "early", .status = "live", .summary = SummaryBytes(2, {1})}}};
  SummaryReport report = Check(acked, rows);
  EXPECT_EQ(report.summaries_exact, 3);
  EXPECT_EQ(report.sessions_completed, 1);
  EXPECT_EQ(report.completions_missing, 1);
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_NE(report.problems[0].find("not completed: session live"), std::string::npos)
      << report.problems[0];

  report = Check(acked, rows, {.last_payload_id = 3, .require_completion = false});
  EXPECT_EQ(report.sessions_completed, 1);
  EXPECT_EQ(report.completions_missing, 0);
  EXPECT_TRUE(report.problems.empty());
}

TEST(CheckSummariesTest, SessionsWithoutAFactoryCoordinateAreNotChecked) {
  const std::vector<LedgerEntry> acked = {{.session_id = "x", .payload_id = 1}};
  const StoredRows rows{.payloads = {Stored("x", 1)}};
  const SummaryReport report = Check(acked, rows);
  EXPECT_EQ(report.summaries_exact + report.summaries_mismatched, 0);
}

TEST(CheckSummariesTest, KeepsOnlyTheFirstProblems) {
  std::vector<LedgerEntry> acked;
  for (int i = 0; i < 30; ++i) acked.push_back(Acked(absl::StrCat("s", i), i, 1));
  const SummaryReport report = Check(acked, {});
  EXPECT_EQ(report.summaries_mismatched, 30);
  EXPECT_EQ(report.problems.size(), SummaryReport::kMaxProblems);
}

}  // namespace
}  // namespace ingest::loadgen
