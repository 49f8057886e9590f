#include "bench/e2e/acked_ledger.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/loadgen/verifier.h"

namespace ingest::bench_e2e {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

loadgen::StoredPayload Stored(std::string session, uint64_t id, int64_t seq, std::string hash) {
  return {.session_id = std::move(session),
          .payload_id = id,
          .head_rows = 1,
          .rows = 1,
          .first_seq = seq,
          .size_bytes = 100,
          .sha256_hex = std::move(hash)};
}

const SentBodies kBodies{.sha256_hex = {"h1", "h2"}, .size_bytes = 100};

TEST(AckedLedgerTest, EveryAcknowledgedPayloadStoredOnceWithASentBodyVerifies) {
  const loadgen::StoredRows rows{
      .payloads = {Stored("a", 1, 10, "h2"), Stored("a", 2, 11, "h1"), Stored("b", 1, 12, "h1"),
                   Stored("b", 2, 13, "h2")},  // b's 2 was stored, its ack lost
      .sessions = {{.session_id = "a", .payload_count = 2},
                   {.session_id = "b", .payload_count = 2}}};
  const std::vector<loadgen::LedgerEntry> ledger =
      AckedLedger({{"a", 2}, {"b", 1}, {"c", 0}}, kBodies, rows);
  ASSERT_EQ(ledger.size(), 3u);
  EXPECT_EQ(ledger[2].session_id, "b");
  EXPECT_EQ(ledger[2].payload_id, 1u);
  const loadgen::VerificationReport report = loadgen::Verify(ledger, rows);
  EXPECT_EQ(report.persisted, 3);
  EXPECT_TRUE(report.problems.empty()) << report.problems[0];
}

TEST(AckedLedgerTest, LostDuplicatedReorderedAndChangedPayloadsAreProblems) {
  loadgen::StoredRows rows{
      .payloads = {Stored("a", 1, 11, "h1"), Stored("a", 2, 10, "h2"),  // out of order
                   Stored("b", 1, 12, "changed")},                      // b's 2 is lost
      .sessions = {{.session_id = "a", .payload_count = 3},             // one applied twice
                   {.session_id = "b", .payload_count = 1}}};
  const loadgen::VerificationReport report =
      loadgen::Verify(AckedLedger({{"a", 2}, {"b", 2}}, kBodies, rows), rows);
  EXPECT_EQ(report.lost, 1);
  EXPECT_EQ(report.out_of_order, 1);
  EXPECT_EQ(report.duplicates, 1);
  EXPECT_EQ(report.mismatched, 1);
  EXPECT_THAT(report.problems,
              ElementsAre(HasSubstr("mismatched: session b payload 1 stored 100 bytes sha256 "
                                    "changed, sent 100 bytes sha256 (one of the 2 sent)"),
                          HasSubstr("lost: session b payload 2"),
                          HasSubstr("out of order: session a payload 2"),
                          HasSubstr("duplicate: session a counts 3 payloads but stores 2")));
}

}  // namespace
}  // namespace ingest::bench_e2e
