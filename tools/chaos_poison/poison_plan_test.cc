#include "tools/chaos_poison/poison_plan.h"

#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/codec/task_codec.h"
#include "services/common/kafka/dead_letter_headers.h"
#include "tools/chaos_poison/dlq_check.h"

namespace ingest::chaos {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

PoisonPlan Plan() {
  return MakePoisonPlan({.run_tag = "t1",
                         .malformed_sessions = 2,
                         .conflicting_sessions = 1,
                         .received_at = absl::FromUnixSeconds(1'700'000'000)});
}

TEST(PoisonPlanTest, MalformedSessionsHaveOneUndecodableRecordBetweenValidPayloads) {
  const PoisonPlan plan = Plan();
  ASSERT_THAT(plan.records, SizeIs(2 * 5 + 3));
  const std::string session = plan.records[0].key;
  std::vector<bool> decodes;
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(plan.records[static_cast<size_t>(i)].key, session);
    decodes.push_back(DecodeTask(plan.records[static_cast<size_t>(i)].value).ok());
  }
  EXPECT_THAT(decodes, ElementsAre(true, true, false, true, true));
  EXPECT_THAT(plan.stored_payload_ids.at(session), ElementsAre(1, 2));
  ASSERT_THAT(plan.letters.at(session), SizeIs(3));
  EXPECT_EQ(plan.letters.at(session)[0].reason, "invalid_record");
  EXPECT_EQ(plan.letters.at(session)[0].value, plan.records[2].value);
  EXPECT_EQ(plan.letters.at(session)[2].value, plan.records[4].value);
  EXPECT_THAT(plan.quarantined, SizeIs(2)) << "a conflicting session is not quarantined";
  EXPECT_EQ(plan.expected_letter_count(), 2 * 3 + 1);
}

TEST(PoisonPlanTest, AConflictingSessionRepeatsPayloadOneWithOtherBytes) {
  const PoisonPlan plan = Plan();
  const PoisonRecord& first = plan.records[10];
  const PoisonRecord& second = plan.records[11];
  auto a = DecodeTask(first.value);
  auto b = DecodeTask(second.value);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->payload_id(), 1u);
  EXPECT_EQ(b->payload_id(), 1u);
  EXPECT_NE(first.value, second.value);
  EXPECT_EQ(plan.letters.at(first.key)[0].reason, "conflicting_duplicate");
  EXPECT_EQ(plan.letters.at(first.key)[0].value, second.value);
  EXPECT_THAT(plan.letters.at(first.key), SizeIs(1)) << "payload 2 is stored, not dead-lettered";
  EXPECT_THAT(plan.stored_payload_ids.at(first.key), ElementsAre(1, 2));
}

TEST(PoisonPlanTest, RunTagsKeepSessionsOfTwoRunsApart) {
  std::set<std::string> keys;
  for (const char* tag : {"a", "b"}) {
    for (const PoisonRecord& record : MakePoisonPlan({.run_tag = tag}).records) {
      keys.insert(record.key);
    }
  }
  EXPECT_THAT(keys, SizeIs(2 * (4 + 2)));
}

// The DLQ the worker should write for `plan`: each session's letters in
// order, on one partition, with other sessions' letters interleaved.
std::vector<TopicRecord> PerfectDlq(const PoisonPlan& plan) {
  std::vector<TopicRecord> dlq;
  int64_t offset = 0;
  dlq.push_back({.partition = 0,
                 .offset = offset++,
                 .key = "other",
                 .headers = {{dlq_headers::kSessionId, "other"}}});
  for (const auto& [session, letters] : plan.letters) {
    for (const ExpectedLetter& letter : letters) {
      dlq.push_back(
          {.partition = 0,
           .offset = offset++,
           .key = session,
           .value = letter.value,
           .headers = {{dlq_headers::kReason, letter.reason}, {dlq_headers::kSessionId, session}}});
    }
  }
  return dlq;
}

TEST(CheckDeadLettersTest, AcceptsTheExpectedLettersAndIgnoresOtherSessions) {
  const PoisonPlan plan = Plan();
  const DeadLetterReport report = CheckDeadLetters(plan, PerfectDlq(plan));
  EXPECT_TRUE(report.ok()) << testing::PrintToString(report.problems);
  EXPECT_EQ(report.found, 7);
  EXPECT_EQ(report.expected, 7);
}

TEST(CheckDeadLettersTest, AMissingLetterIsReported) {
  const PoisonPlan plan = Plan();
  std::vector<TopicRecord> dlq = PerfectDlq(plan);
  dlq.pop_back();
  const DeadLetterReport report = CheckDeadLetters(plan, dlq);
  EXPECT_FALSE(report.ok());
  EXPECT_EQ(report.missing, 1);
  EXPECT_THAT(report.problems, ElementsAre(HasSubstr("missing")));
}

TEST(CheckDeadLettersTest, LettersOutOfOrderAreWrong) {
  const PoisonPlan plan = Plan();
  std::vector<TopicRecord> dlq = PerfectDlq(plan);
  // dlq[0] is another session's, dlq[1] the conflicting session's (sessions
  // in name order); dlq[2..4] are a malformed session's: swap its first two.
  ASSERT_EQ(dlq[2].Header(dlq_headers::kReason), "invalid_record");
  std::swap(dlq[2].offset, dlq[3].offset);
  const DeadLetterReport report = CheckDeadLetters(plan, dlq);
  EXPECT_FALSE(report.ok());
  EXPECT_EQ(report.wrong, 2);
}

TEST(CheckDeadLettersTest, ChangedBytesAreWrong) {
  const PoisonPlan plan = Plan();
  std::vector<TopicRecord> dlq = PerfectDlq(plan);
  dlq[4].value += "x";
  const DeadLetterReport report = CheckDeadLetters(plan, dlq);
  EXPECT_EQ(report.wrong, 1);
  EXPECT_THAT(report.problems, ElementsAre(HasSubstr("bytes differ")));
}

TEST(CheckDeadLettersTest, ExtraLettersOfAPoisonSessionAreUnexpected) {
  const PoisonPlan plan = Plan();
  std::vector<TopicRecord> dlq = PerfectDlq(plan);
  TopicRecord extra = dlq.back();
  extra.offset = 1000;
  dlq.push_back(extra);
  const DeadLetterReport report = CheckDeadLetters(plan, dlq);
  EXPECT_EQ(report.unexpected, 1);
  EXPECT_FALSE(report.ok());
}

}  // namespace
}  // namespace ingest::chaos
