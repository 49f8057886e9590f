#include "tools/loadgen/verifier.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace ingest::loadgen {
namespace {

LedgerEntry Acked(std::string session, uint64_t payload, std::string hash) {
  return {.session_id = std::move(session),
          .payload_id = payload,
          .size_bytes = 100,
          .sha256_hex = std::move(hash)};
}

StoredPayload Stored(std::string session, uint64_t payload, int64_t seq, std::string hash,
                     int64_t head_rows = 1) {
  return {.session_id = std::move(session),
          .payload_id = payload,
          .head_rows = head_rows,
          .rows = head_rows,
          .first_seq = seq,
          .size_bytes = 100,
          .sha256_hex = std::move(hash)};
}

// Ledger a1..a3 and b1..b2, all stored once, in order, intact.
class VerifierTest : public testing::Test {
 protected:
  std::vector<LedgerEntry> acked_ = {Acked("a", 1, "h-a1"), Acked("a", 2, "h-a2"),
                                     Acked("a", 3, "h-a3"), Acked("b", 1, "h-b1"),
                                     Acked("b", 2, "h-b2")};
  StoredRows rows_ = {.payloads = {Stored("a", 1, 10, "h-a1"), Stored("b", 1, 11, "h-b1"),
                                   Stored("a", 2, 12, "h-a2"), Stored("b", 2, 13, "h-b2"),
                                   Stored("a", 3, 14, "h-a3")},
                      .sessions = {{"a", 3}, {"b", 2}}};
};

TEST_F(VerifierTest, CleanRunHasNoProblems) {
  const VerificationReport report = Verify(acked_, rows_);
  EXPECT_EQ(report.persisted, 5);
  EXPECT_EQ(report.lost, 0);
  EXPECT_EQ(report.duplicates, 0);
  EXPECT_EQ(report.out_of_order, 0);
  EXPECT_EQ(report.mismatched, 0);
  EXPECT_TRUE(report.problems.empty());
}

TEST_F(VerifierTest, CountsLostPayloads) {
  rows_.payloads.erase(rows_.payloads.begin() + 2);  // a2
  rows_.payloads.erase(rows_.payloads.begin());      // a1
  rows_.sessions[0].payload_count = 1;
  const VerificationReport report = Verify(acked_, rows_);
  EXPECT_EQ(report.persisted, 3);
  EXPECT_EQ(report.lost, 2);
  EXPECT_EQ(report.duplicates, 0);
  EXPECT_EQ(report.out_of_order, 0);
  ASSERT_FALSE(report.problems.empty());
  EXPECT_EQ(report.problems[0], "lost: session a payload 1 was acknowledged but has no row");
}

TEST_F(VerifierTest, CountsExtraChunkZeroRowsAsDuplicates) {
  rows_.payloads[0].head_rows = 3;  // a1 stored three times
  const VerificationReport report = Verify(acked_, rows_);
  EXPECT_EQ(report.duplicates, 2);
  EXPECT_EQ(report.persisted, 5);
  EXPECT_EQ(report.lost, 0);
}

TEST_F(VerifierTest, CountsPayloadCountBeyondDistinctRowsAsDuplicates) {
  rows_.sessions[1].payload_count = 4;  // b applied two payloads twice
  const VerificationReport report = Verify(acked_, rows_);
  EXPECT_EQ(report.duplicates, 2);
}

TEST_F(VerifierTest, UnackedStoredPayloadsCountAsDistinctNotAsProblems) {
  // b3 was given up by the client but the pipeline stored it; the worker
  // counted it. Nothing is wrong.
  rows_.payloads.push_back(Stored("b", 3, 20, "h-b3"));
  rows_.sessions[1].payload_count = 3;
  const VerificationReport report = Verify(acked_, rows_);
  EXPECT_EQ(report.persisted, 5);
  EXPECT_EQ(report.duplicates, 0);
  EXPECT_EQ(report.out_of_order, 0);
  EXPECT_TRUE(report.problems.empty());
}

TEST_F(VerifierTest, CountsOutOfOrderAdjacentPairs) {
  // Session a stored as a2, a3, a1: by payload id the seqs are 30, 10, 20,
  // one decreasing adjacent pair.
  rows_.payloads[0].first_seq = 30;  // a1
  rows_.payloads[2].first_seq = 10;  // a2
  rows_.payloads[4].first_seq = 20;  // a3
  // Session b stored b2 before b1: one more.
  rows_.payloads[1].first_seq = 40;  // b1
  rows_.payloads[3].first_seq = 39;  // b2
  const VerificationReport report = Verify(acked_, rows_);
  EXPECT_EQ(report.out_of_order, 2);
  EXPECT_EQ(report.persisted, 5);
}

TEST_F(VerifierTest, OrderIsByPayloadIdNotLedgerOrder) {
  // The same clean data, ledger shuffled: still in order.
  std::vector<LedgerEntry> shuffled = {acked_[4], acked_[2], acked_[0], acked_[3], acked_[1]};
  EXPECT_EQ(Verify(shuffled, rows_).out_of_order, 0);
}

TEST_F(VerifierTest, CountsMismatchedHashes) {
  rows_.payloads[3].sha256_hex = "something-else";  // b2
  const VerificationReport report = Verify(acked_, rows_);
  EXPECT_EQ(report.mismatched, 1);
  EXPECT_EQ(report.persisted, 5);
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_NE(report.problems[0].find("mismatched: session b payload 2"), std::string::npos);
}

TEST_F(VerifierTest, IgnoresSessionsNotInTheLedger) {
  rows_.sessions.push_back({"other", 99});
  EXPECT_EQ(Verify(acked_, rows_).duplicates, 0);
}

TEST_F(VerifierTest, CapsTheProblemList) {
  std::vector<LedgerEntry> many;
  for (uint64_t p = 1; p <= 100; ++p) many.push_back(Acked("z", p, "h"));
  const VerificationReport report = Verify(many, rows_);
  EXPECT_EQ(report.lost, 100);
  EXPECT_EQ(report.problems.size(), VerificationReport::kMaxProblems);
}

TEST(MissingKeysTest, TheAckedKeysWithoutARowInLedgerOrder) {
  const std::vector<LedgerEntry> acked = {
      {.session_id = "a", .payload_id = 1},
      {.session_id = "a", .payload_id = 2},
      {.session_id = "b", .payload_id = 1},
  };
  const std::vector<PayloadKey> present = {{"a", 2}, {"c", 9}};
  EXPECT_EQ(MissingKeys(acked, present), (std::vector<PayloadKey>{{"a", 1}, {"b", 1}}));
  EXPECT_TRUE(MissingKeys(acked, {{"a", 1}, {"a", 2}, {"b", 1}}).empty());
}

TEST(CountPresentTest, CountsLedgerEntriesWithRows) {
  const std::vector<LedgerEntry> acked = {Acked("a", 1, ""), Acked("a", 2, ""), Acked("b", 1, "")};
  const std::vector<PayloadKey> present = {{"a", 2}, {"b", 1}, {"c", 7}};
  EXPECT_EQ(CountPresent(acked, present), 2);
  EXPECT_EQ(CountPresent(acked, {}), 0);
}

TEST(SessionIdsOfTest, DistinctAndSorted) {
  const std::vector<LedgerEntry> acked = {Acked("b", 1, ""), Acked("a", 1, ""), Acked("b", 2, "")};
  EXPECT_EQ(SessionIdsOf(acked), (std::vector<std::string>{"a", "b"}));
}

TEST(SessionsWithPayloadTest, DistinctSortedSessionsHoldingThatPayload) {
  const std::vector<PayloadKey> present = {{"c", 3}, {"a", 3}, {"b", 2}, {"a", 3}, {"a", 1}};
  EXPECT_EQ(SessionsWithPayload(present, 3), (std::vector<std::string>{"a", "c"}));
  EXPECT_TRUE(SessionsWithPayload(present, 9).empty());
}

TEST(CountCompletedTest, CountsOnlyCompleted) {
  const std::vector<SessionStatus> statuses = {
      {"a", "completed"}, {"b", "live"}, {"c", ""}, {"d", "completed"}};
  EXPECT_EQ(CountCompleted(statuses), 2);
  EXPECT_EQ(CountCompleted({}), 0);
}

}  // namespace
}  // namespace ingest::loadgen
