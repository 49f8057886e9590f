#include "bench/common/process_usage.h"

#include <unistd.h>

#include <string>

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace ingest::bench {
namespace {

TEST(ProcessAndChildrenTest, FindsThisProcessAndNothingForAMissingOne) {
  const std::vector<int> pids = ProcessAndChildren(getpid());
  ASSERT_FALSE(pids.empty());
  EXPECT_EQ(pids.front(), getpid());
  EXPECT_TRUE(ProcessAndChildren(0).empty());
  // This process is one of its parent's children.
  const std::vector<int> parent = ProcessAndChildren(getppid());
  EXPECT_NE(std::find(parent.begin(), parent.end(), getpid()), parent.end());
}

TEST(ReadCpuTest, ReadsEachGroupAndLeavesOutNonPids) {
  const CpuReading reading = ReadCpu({{getpid(), 0, -1}, {0}});
  ASSERT_EQ(reading.groups.size(), 2u);
  ASSERT_EQ(reading.groups[0].size(), 1u);
  EXPECT_EQ(reading.groups[0].begin()->first, getpid());
  EXPECT_TRUE(reading.groups[1].empty());
}

TEST(CoresUsedTest, CountsNewProcessesFromZeroAndLosesGoneOnes) {
  const CpuByPid before = {{1, absl::Seconds(10)}, {2, absl::Seconds(4)}, {3, absl::Seconds(1)}};
  // 1 used 1 s, 2 used 0.5 s, 3 exited, 4 started and used 0.5 s.
  const CpuByPid after = {
      {1, absl::Seconds(11)}, {2, absl::Milliseconds(4500)}, {4, absl::Milliseconds(500)}};
  EXPECT_EQ(CpuUsed(before, after), absl::Seconds(2));
  EXPECT_EQ(CpuUsed({}, after), absl::Seconds(16));
  EXPECT_DOUBLE_EQ(CoresUsed(before, after, absl::Seconds(2)), 1.0);
  EXPECT_EQ(CoresUsed(before, {}, absl::Seconds(2)), -1);
  EXPECT_EQ(CoresUsed(before, after, absl::ZeroDuration()), -1);
}

TEST(CoresUsedTest, BetweenTwoReadingsOfTheSameGroups) {
  const absl::Time t = absl::Now();
  const CpuReading start{.at = t, .groups = {{{1, absl::Seconds(1)}}, {}}};
  const CpuReading end{.at = t + absl::Seconds(2), .groups = {{{1, absl::Seconds(4)}}, {}}};
  const std::vector<double> cores = CoresBetween(start, end);
  ASSERT_EQ(cores.size(), 2u);
  EXPECT_DOUBLE_EQ(cores[0], 1.5);
  EXPECT_EQ(cores[1], -1);  // not watched
}

TEST(ReadRssTest, ReadsWatchedRolesOnly) {
  const RssReading reading =
      ReadRss({.client = getpid(), .postgres = getpid()}, {getpid(), getpid()});
  EXPECT_GT(reading.client, 0);
  EXPECT_EQ(reading.gateway, -1);
  EXPECT_EQ(reading.worker, -1);
  // This process twice more, read a moment later.
  EXPECT_NEAR(static_cast<double>(reading.postgres_max), static_cast<double>(reading.client),
              1 << 20);
  EXPECT_NEAR(static_cast<double>(reading.postgres_sum), 2.0 * reading.postgres_max, 1 << 20);
}

TEST(ReadRssTest, TheMedianIsPerRoleAndSkipsUnreadableReadings) {
  const RssReading median = MedianRss(
      {{.client = 30, .gateway = -1}, {.client = 10, .gateway = 5}, {.client = 20, .gateway = 7}});
  EXPECT_EQ(median.client, 20);
  EXPECT_EQ(median.gateway, 7);  // of {5, 7}: the upper middle
  EXPECT_EQ(median.worker, -1);
  EXPECT_GT(ReadIdleRss({.gateway = getpid()}).gateway, 0);
}

TEST(RssSamplerTest, KeepsThePeakOfThisProcess) {
  RssSampler sampler({.client = getpid()}, absl::Milliseconds(5));
  std::string grown(64 << 20, 'x');  // touched: resident
  absl::SleepFor(absl::Milliseconds(50));
  sampler.Stop();
  EXPECT_GE(sampler.peaks().client, int64_t{64} << 20);
  EXPECT_GE(sampler.samples(), 2);
  EXPECT_EQ(sampler.peaks().kafka, -1);
}

}  // namespace
}  // namespace ingest::bench
