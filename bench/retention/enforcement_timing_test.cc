#include "bench/retention/enforcement_timing.h"

#include "gtest/gtest.h"

namespace ingest::bench_retention {
namespace {

EnforcementStep Step(int ms, std::string line) { return {absl::Milliseconds(ms), std::move(line)}; }

TEST(SplitStepsTest, EnsureThenEachDaysDropThenSessionBatches) {
  EnforcementTiming timing;
  timing.steps = {Step(20, "partitions ahead: 0 created"),
                  Step(90, "dropped the partitions of 2025-01-01 (1073741824 bytes)"),
                  Step(150, "dropped the partitions of 2025-01-02 (1000 bytes)"),
                  Step(400, "expired sessions: 1311"), Step(420, "rows deleted in batches: 9")};
  SplitSteps(timing);
  EXPECT_EQ(timing.ensure, absl::Milliseconds(20));
  EXPECT_EQ(timing.drop, absl::Milliseconds(130)) << "to the last day's drop";
  EXPECT_EQ(timing.sessions, absl::Milliseconds(250));
}

TEST(SplitStepsTest, NothingToDropTakesNoTime) {
  EnforcementTiming timing;
  timing.steps = {Step(20, "partitions ahead: 0 created"), Step(50, "expired sessions: 0")};
  SplitSteps(timing);
  EXPECT_EQ(timing.drop, absl::ZeroDuration());
  EXPECT_EQ(timing.sessions, absl::Milliseconds(30));
}

TEST(SplitStepsTest, UnknownLinesLeaveTheStepsNotMeasured) {
  EnforcementTiming timing;
  timing.steps = {Step(20, "something else")};
  SplitSteps(timing);
  EXPECT_EQ(timing.ensure, absl::Seconds(-1));
  EXPECT_EQ(timing.drop, absl::Seconds(-1));
  EXPECT_EQ(timing.sessions, absl::Seconds(-1));
}

TEST(SplitStepsTest, AnIncompleteRunIsNotSplit) {
  EnforcementTiming timing;
  timing.report.incomplete = "could not drop the partitions of 2025-01-01: deadlock detected";
  timing.steps = {Step(20, "partitions ahead: 0 created"), Step(1050, "expired sessions: 0")};
  SplitSteps(timing);
  EXPECT_EQ(timing.drop, absl::Seconds(-1));
  EXPECT_EQ(timing.sessions, absl::Seconds(-1));
}

}  // namespace
}  // namespace ingest::bench_retention
