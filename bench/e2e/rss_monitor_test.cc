#include "bench/e2e/rss_monitor.h"

#include <unistd.h>

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace ingest::bench_e2e {
namespace {

TEST(RssTest, ReadsWatchedRolesOnly) {
  const RssReading reading = ReadRss({.client = getpid(), .postgres = getpid()}, {getpid()});
  EXPECT_GT(reading.client, 0);
  EXPECT_EQ(reading.gateway, -1);
  EXPECT_EQ(reading.worker, -1);
  // This process again, read a moment later.
  EXPECT_NEAR(static_cast<double>(reading.postgres_max), static_cast<double>(reading.client),
              1 << 20);
  EXPECT_EQ(reading.postgres_sum, reading.postgres_max);
}

TEST(RssTest, TheMedianIsPerRoleAndSkipsUnreadableReadings) {
  const RssReading median = MedianRss({{.client = 30, .gateway = -1},
                                       {.client = 10, .gateway = 5},
                                       {.client = 20, .gateway = 7}});
  EXPECT_EQ(median.client, 20);
  EXPECT_EQ(median.gateway, 7);  // of {5, 7}: the upper middle
  EXPECT_EQ(median.worker, -1);
}

TEST(RssMonitorTest, KeepsThePeakOfThisProcess) {
  RssMonitor monitor({.client = getpid()}, absl::Milliseconds(5));
  std::string grown(64 << 20, 'x');  // touched: resident
  absl::SleepFor(absl::Milliseconds(50));
  monitor.Stop();
  EXPECT_GE(monitor.peaks().client, int64_t{64} << 20);
  EXPECT_GE(monitor.samples(), 2);
  EXPECT_EQ(monitor.peaks().kafka, -1);
}

}  // namespace
}  // namespace ingest::bench_e2e
