#include "bench/e2e/stored_sessions.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ingest::bench_e2e {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

StoredSession Complete(int64_t n) {
  return {.payloads = n, .distinct_payloads = n, .max_payload_id = n, .payload_count = n};
}

TEST(CheckExactlyOnceTest, EverythingStoredOnceIsOk) {
  const ExactlyOnceReport report =
      CheckExactlyOnce({{"a", 3}, {"b", 0}}, {{"a", Complete(3)}});
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(report.sessions, 2);
  EXPECT_EQ(report.acked, 3);
  EXPECT_EQ(report.stored, 3);
}

TEST(CheckExactlyOnceTest, MissingExtraAndDoubleCountedPayloadsAreProblems) {
  StoredSession counted_twice = Complete(4);
  counted_twice.payload_count = 5;
  StoredSession gaps = Complete(2);
  gaps.payload_id_gaps = 1;
  const ExactlyOnceReport report = CheckExactlyOnce(
      {{"missing", 3}, {"extra", 2}, {"twice", 4}, {"gaps", 2}, {"none", 1}},
      {{"missing", Complete(2)}, {"extra", Complete(3)}, {"twice", counted_twice}, {"gaps", gaps}});
  EXPECT_FALSE(report.ok());
  EXPECT_THAT(report.problems,
              ElementsAre("session extra: 3 payloads stored (highest id 3), 2 acknowledged",
                          "session gaps: sessions.payload_id_gaps 1",
                          "session missing: 2 payloads stored (highest id 2), 3 acknowledged",
                          "session none: 0 payloads stored (highest id 0), 1 acknowledged",
                          "session twice: sessions.payload_count 5, 4 acknowledged"));
}

TEST(CheckExactlyOnceTest, ListsAFewProblemsAndCountsTheRest) {
  std::map<std::string, int64_t> acked;
  for (int i = 0; i < 8; ++i) acked["s" + std::to_string(i)] = 1;
  const ExactlyOnceReport report = CheckExactlyOnce(acked, {});
  ASSERT_EQ(report.problems.size(), 6u);
  EXPECT_THAT(report.problems.back(), HasSubstr("and 3 more sessions"));
}

}  // namespace
}  // namespace ingest::bench_e2e
