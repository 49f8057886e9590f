#include "bench/e2e/process_tree.h"

#include <unistd.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ingest::bench_e2e {
namespace {

TEST(ParseStatParentPidTest, ReadsTheFieldAfterTheState) {
  EXPECT_EQ(*ParseStatParentPid("4242 (postgres) S 17 4242 4242 0 -1 4194560 ..."), 17);
  EXPECT_EQ(*ParseStatParentPid("7 (a (weird) name) R 1 7 7 0"), 1);
  EXPECT_FALSE(ParseStatParentPid("garbage").ok());
  EXPECT_FALSE(ParseStatParentPid("7 (x) S").ok());
}

TEST(ProcessAndChildrenTest, FindsThisProcessAndNothingForAMissingOne) {
  const std::vector<int> pids = ProcessAndChildren(getpid());
  ASSERT_FALSE(pids.empty());
  EXPECT_EQ(pids.front(), getpid());
  EXPECT_TRUE(ProcessAndChildren(0).empty());
}

TEST(ReadCpuTest, ReadsTheGivenProcessesAndLeavesOutNonPids) {
  const CpuByPid cpu = ReadCpu({getpid(), 0, -1});
  ASSERT_EQ(cpu.size(), 1u);
  EXPECT_EQ(cpu.begin()->first, getpid());
  EXPECT_EQ(ReadTreeCpu(getpid()).count(getpid()), 1u);
}

TEST(RssTest, AddsUpOneReading) {
  const RssTotals one = AddUpRss({100, 300, 50});
  EXPECT_EQ(one.max_bytes, 300);
  EXPECT_EQ(one.sum_bytes, 450);
  EXPECT_EQ(AddUpRss({}).sum_bytes, 0);
}

TEST(TreeCoresUsedTest, CountsNewProcessesFromZeroAndLosesGoneOnes) {
  const CpuByPid before = {{1, absl::Seconds(10)}, {2, absl::Seconds(4)}, {3, absl::Seconds(1)}};
  // 1 used 1 s, 2 used 0.5 s, 3 exited, 4 started and used 0.5 s.
  const CpuByPid after = {
      {1, absl::Seconds(11)}, {2, absl::Milliseconds(4500)}, {4, absl::Milliseconds(500)}};
  EXPECT_DOUBLE_EQ(TreeCoresUsed(before, after, absl::Seconds(2)), 1.0);
  EXPECT_EQ(TreeCoresUsed(before, {}, absl::Seconds(2)), -1);
  EXPECT_EQ(TreeCoresUsed(before, after, absl::ZeroDuration()), -1);
}

}  // namespace
}  // namespace ingest::bench_e2e
