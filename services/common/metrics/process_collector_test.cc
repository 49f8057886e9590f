#include "services/common/metrics/process_collector.h"

#include <fcntl.h>
#include <unistd.h>

#include <map>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "prometheus/text_serializer.h"

namespace ingest {
namespace {

TEST(ProcessStatsTest, FiguresArePlausible) {
  // Some CPU to measure.
  volatile double sink = 0;
  for (int i = 0; i < 20'000'000; ++i) sink = sink + i * 0.5;
  absl::StatusOr<ProcessStats> stats = ReadProcessStats();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_GT(stats->cpu_seconds, 0);
  EXPECT_LT(stats->cpu_seconds, 3600);
  EXPECT_GT(stats->resident_memory_bytes, 1 << 20);
  EXPECT_GE(stats->virtual_memory_bytes, stats->resident_memory_bytes);
  EXPECT_GE(stats->open_fds, 3);  // stdin, stdout, stderr at least
  EXPECT_TRUE(stats->max_fds == -1 || stats->max_fds >= stats->open_fds) << stats->max_fds;
  const double now = absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch());
  EXPECT_LE(stats->start_time_seconds, now + 1);  // clock ticks round: allow a second
  EXPECT_GT(stats->start_time_seconds, now - 3600) << "the test started over an hour ago?";
}

TEST(ProcessStatsTest, OpenFdsFollowsOpenAndClose) {
  absl::StatusOr<ProcessStats> before = ReadProcessStats();
  ASSERT_TRUE(before.ok()) << before.status();
  std::vector<int> fds;
  for (int i = 0; i < 5; ++i) {
    fds.push_back(open("/proc/self/stat", O_RDONLY | O_CLOEXEC));
    ASSERT_GE(fds.back(), 0);
  }
  absl::StatusOr<ProcessStats> opened = ReadProcessStats();
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->open_fds, before->open_fds + 5);
  for (int fd : fds) close(fd);
  absl::StatusOr<ProcessStats> closed = ReadProcessStats();
  ASSERT_TRUE(closed.ok()) << closed.status();
  EXPECT_EQ(closed->open_fds, before->open_fds);
}

TEST(ParseProcStatTest, ReadsTheFieldsAfterTheCommandName) {
  // ppid 17; utime 250 + stime 50 ticks; starttime 900; vsize 4096000; rss 10 pages.
  const absl::StatusOr<ProcStat> stat = ParseProcStat(
      "4242 (a (weird) name) S 17 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 900 "
      "4096000 10 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0");
  ASSERT_TRUE(stat.ok()) << stat.status();
  EXPECT_EQ(stat->parent_pid, 17);
  EXPECT_DOUBLE_EQ(stat->cpu_seconds, 300.0 / static_cast<double>(sysconf(_SC_CLK_TCK)));
  EXPECT_EQ(stat->start_ticks, 900);
  EXPECT_EQ(stat->virtual_memory_bytes, 4096000);
  EXPECT_EQ(stat->resident_memory_bytes, 10 * sysconf(_SC_PAGESIZE));
}

TEST(ParseProcStatTest, RejectsGarbage) {
  EXPECT_FALSE(ParseProcStat("nothing here").ok());
  EXPECT_FALSE(ParseProcStat("1 (x) S 1 2").ok());
  EXPECT_FALSE(ParseProcStat("1 (x) S 1 2 3 4 5 6 7 8 9 a b 0 0 0 0 0 0 0 0 0 0").ok());
}

TEST(ReadProcStatTest, ReadsThisProcessByPidAndFailsForNoProcess) {
  const absl::StatusOr<ProcStat> self = ReadProcStat(0);
  const absl::StatusOr<ProcStat> by_pid = ReadProcStat(getpid());
  ASSERT_TRUE(self.ok()) << self.status();
  ASSERT_TRUE(by_pid.ok()) << by_pid.status();
  EXPECT_EQ(by_pid->parent_pid, getppid());
  EXPECT_EQ(by_pid->start_ticks, self->start_ticks);
  EXPECT_GT(by_pid->resident_memory_bytes, 1 << 20);
  EXPECT_EQ(ReadProcStat(-5).status().code(), absl::StatusCode::kUnavailable);
}

TEST(ProcessCollectorTest, ExportsTheStandardNamesAndTypes) {
  const std::vector<prometheus::MetricFamily> families = ProcessCollector().Collect();
  std::map<std::string, prometheus::MetricType> types;
  for (const auto& family : families) {
    ASSERT_EQ(family.metric.size(), 1u) << family.name;
    types[family.name] = family.type;
  }
  const std::map<std::string, prometheus::MetricType> expected = {
      {"process_cpu_seconds_total", prometheus::MetricType::Counter},
      {"process_resident_memory_bytes", prometheus::MetricType::Gauge},
      {"process_virtual_memory_bytes", prometheus::MetricType::Gauge},
      {"process_open_fds", prometheus::MetricType::Gauge},
      {"process_max_fds", prometheus::MetricType::Gauge},
      {"process_start_time_seconds", prometheus::MetricType::Gauge},
  };
  EXPECT_EQ(types, expected);
  const std::string text = prometheus::TextSerializer().Serialize(families);
  EXPECT_NE(text.find("# TYPE process_cpu_seconds_total counter\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nprocess_open_fds "), std::string::npos) << text;
}

}  // namespace
}  // namespace ingest
