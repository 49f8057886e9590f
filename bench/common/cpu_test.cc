#include "bench/common/cpu.h"

#include "gtest/gtest.h"

namespace ingest::bench {
namespace {

TEST(ParseProcStatCpuTest, AddsUserAndSystemTicks) {
  // Fields 14 (utime) = 250 and 15 (stime) = 50 ticks at 100 Hz: 3 s.
  const char kStat[] = "4242 (gateway) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0";
  EXPECT_EQ(*ParseProcStatCpu(kStat, 100), absl::Seconds(3));
}

TEST(ParseProcStatCpuTest, CommandNamesMayHoldSpacesAndParentheses) {
  const char kStat[] = "7 (a b) c)) R 1 7 7 0 -1 0 0 0 0 0 10 10 0 0 20 0 1 0";
  EXPECT_EQ(*ParseProcStatCpu(kStat, 10), absl::Seconds(2));
}

TEST(ParseProcStatCpuTest, RejectsGarbage) {
  EXPECT_FALSE(ParseProcStatCpu("nothing here", 100).ok());
  EXPECT_FALSE(ParseProcStatCpu("1 (x) S 1 2", 100).ok());
  EXPECT_FALSE(ParseProcStatCpu("1 (x) S 1 2 3 4 5 6 7 8 9 a b 0", 100).ok());
}

TEST(ReadProcessCpuTest, ReadsThisProcess) {
  EXPECT_TRUE(ReadProcessCpu(0).ok());
}

TEST(CoresUsedTest, CpuOverWallTime) {
  EXPECT_DOUBLE_EQ(CoresUsed(absl::Seconds(1), absl::Seconds(4), absl::Seconds(2)), 1.5);
  EXPECT_EQ(CoresUsed(absl::NotFoundError("gone"), absl::Seconds(4), absl::Seconds(2)), -1);
  EXPECT_EQ(CoresUsed(absl::Seconds(1), absl::Seconds(4), absl::ZeroDuration()), -1);
}

}  // namespace
}  // namespace ingest::bench
