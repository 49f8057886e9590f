#include "services/common/kafka/commit_gate.h"

#include "gtest/gtest.h"

namespace ingest {
namespace {

constexpr absl::Duration kQuiet = absl::Seconds(10);
constexpr absl::Duration kInterval = absl::Seconds(5);
const absl::Time kStart = absl::FromUnixSeconds(1000);

TEST(CommitGateTest, ASettledMemberMayCommit) {
  CommitGate gate(kQuiet, kInterval);
  EXPECT_TRUE(gate.MaySend(kStart, /*assignment_lost=*/false));
}

TEST(CommitGateTest, NoCommitWhileTheAssignmentIsLostOrARebalanceRuns) {
  CommitGate gate(kQuiet, kInterval);
  EXPECT_FALSE(gate.MaySend(kStart, /*assignment_lost=*/true));
  gate.RebalanceStarted();
  EXPECT_FALSE(gate.MaySend(kStart, false));
  gate.RebalanceEnded();
  EXPECT_TRUE(gate.MaySend(kStart, false));
}

TEST(CommitGateTest, OneCommitAtATimeUntilItIsAnswered) {
  CommitGate gate(kQuiet, kInterval);
  gate.Sent(kStart);
  EXPECT_FALSE(gate.MaySend(kStart + kInterval, false));
  gate.Answered(/*ok=*/true, kStart + kInterval);
  EXPECT_TRUE(gate.MaySend(kStart + kInterval, false));
}

TEST(CommitGateTest, AtMostOneCommitPerInterval) {
  CommitGate gate(kQuiet, kInterval);
  gate.Sent(kStart);
  gate.Answered(/*ok=*/true, kStart + absl::Milliseconds(2));
  EXPECT_FALSE(gate.MaySend(kStart + kInterval - absl::Milliseconds(1), false));
  EXPECT_TRUE(gate.MaySend(kStart + kInterval, false));
}

TEST(CommitGateTest, AnUnansweredCommitBlocksOnlyForTheQuietPeriod) {
  CommitGate gate(kQuiet, kInterval);
  gate.Sent(kStart);
  EXPECT_FALSE(gate.MaySend(kStart + kQuiet - absl::Milliseconds(1), false));
  EXPECT_TRUE(gate.MaySend(kStart + kQuiet, false));
}

TEST(CommitGateTest, TroubleOrAFailedCommitSilencesCommitsForTheQuietPeriod) {
  CommitGate gate(kQuiet, kInterval);
  gate.Trouble(kStart);
  EXPECT_FALSE(gate.MaySend(kStart + absl::Seconds(9), false));
  EXPECT_TRUE(gate.MaySend(kStart + kQuiet, false));

  gate.Sent(kStart + kQuiet);
  gate.Answered(/*ok=*/false, kStart + kQuiet);
  EXPECT_FALSE(gate.MaySend(kStart + kQuiet + absl::Seconds(9), false));
  EXPECT_TRUE(gate.MaySend(kStart + 2 * kQuiet, false));
}

TEST(CommitGateTest, LaterTroubleExtendsButEarlierNeverShortensTheSilence) {
  CommitGate gate(kQuiet, kInterval);
  gate.Trouble(kStart + absl::Seconds(5));
  gate.Trouble(kStart);
  EXPECT_FALSE(gate.MaySend(kStart + absl::Seconds(14), false));
  EXPECT_TRUE(gate.MaySend(kStart + absl::Seconds(15), false));
}

}  // namespace
}  // namespace ingest
