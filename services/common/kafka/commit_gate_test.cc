#include "services/common/kafka/commit_gate.h"

#include "gtest/gtest.h"

namespace ingest {
namespace {

constexpr absl::Duration kQuiet = absl::Seconds(10);
const absl::Time kStart = absl::FromUnixSeconds(1000);

TEST(CommitGateTest, ASettledMemberMayCommit) {
  CommitGate gate(kQuiet);
  EXPECT_TRUE(gate.MaySend(kStart, /*assignment_lost=*/false));
}

TEST(CommitGateTest, NoCommitWhileTheAssignmentIsLostOrARebalanceRuns) {
  CommitGate gate(kQuiet);
  EXPECT_FALSE(gate.MaySend(kStart, /*assignment_lost=*/true));
  gate.RebalanceStarted();
  EXPECT_FALSE(gate.MaySend(kStart, false));
  gate.RebalanceEnded();
  EXPECT_TRUE(gate.MaySend(kStart, false));
}

TEST(CommitGateTest, OneCommitAtATimeUntilItIsAnswered) {
  CommitGate gate(kQuiet);
  gate.Sent(kStart);
  EXPECT_FALSE(gate.MaySend(kStart + absl::Seconds(1), false));
  gate.Answered(/*ok=*/true, kStart + absl::Seconds(1));
  EXPECT_TRUE(gate.MaySend(kStart + absl::Seconds(1), false));
}

TEST(CommitGateTest, AnUnansweredCommitBlocksOnlyForTheQuietPeriod) {
  CommitGate gate(kQuiet);
  gate.Sent(kStart);
  EXPECT_FALSE(gate.MaySend(kStart + kQuiet - absl::Milliseconds(1), false));
  EXPECT_TRUE(gate.MaySend(kStart + kQuiet, false));
}

TEST(CommitGateTest, TroubleOrAFailedCommitSilencesCommitsForTheQuietPeriod) {
  CommitGate gate(kQuiet);
  gate.Trouble(kStart);
  EXPECT_FALSE(gate.MaySend(kStart + absl::Seconds(9), false));
  EXPECT_TRUE(gate.MaySend(kStart + kQuiet, false));

  gate.Sent(kStart + kQuiet);
  gate.Answered(/*ok=*/false, kStart + kQuiet);
  EXPECT_FALSE(gate.MaySend(kStart + kQuiet + absl::Seconds(9), false));
  EXPECT_TRUE(gate.MaySend(kStart + 2 * kQuiet, false));
}

TEST(CommitGateTest, LaterTroubleExtendsButEarlierNeverShortensTheSilence) {
  CommitGate gate(kQuiet);
  gate.Trouble(kStart + absl::Seconds(5));
  gate.Trouble(kStart);
  EXPECT_FALSE(gate.MaySend(kStart + absl::Seconds(14), false));
  EXPECT_TRUE(gate.MaySend(kStart + absl::Seconds(15), false));
}

}  // namespace
}  // namespace ingest
