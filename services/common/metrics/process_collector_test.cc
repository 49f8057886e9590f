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
