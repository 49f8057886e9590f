#include "bench/retention/write_window.h"

#include <vector>

#include "gtest/gtest.h"

namespace ingest::bench_retention {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1000);

WriteCall Call(double start_s, double end_s, int64_t records, bool ok = true) {
  return {.started = kT0 + absl::Seconds(start_s),
          .finished = kT0 + absl::Seconds(end_s),
          .ok = ok,
          .records = ok ? records : 0,
          .content_bytes = ok ? records * (1 << 20) : 0,
          .stored_bytes = ok ? records * 1000 : 0};
}

TEST(WriteWindowTest, CountsCallsWhereTheyCommittedAndRatesOverTheWindow) {
  const std::vector<WriteCall> calls = {
      Call(0.0, 0.5, 100),  // before the window
      Call(0.5, 1.5, 100),  // began before, committed inside: counted
      Call(1.5, 2.0, 100), Call(2.0, 2.9, 100), Call(2.9, 3.2, 100),  // committed after the window
  };
  const WindowStats stats = SummarizeWindow(calls, kT0 + absl::Seconds(1), kT0 + absl::Seconds(3));
  EXPECT_EQ(stats.length, absl::Seconds(2));
  EXPECT_EQ(stats.calls, 3);
  EXPECT_EQ(stats.records, 300);
  EXPECT_EQ(stats.content_bytes, int64_t{300} << 20);
  EXPECT_EQ(stats.stored_bytes, 300000);
  EXPECT_DOUBLE_EQ(stats.records_per_s, 150);
  EXPECT_DOUBLE_EQ(stats.mb_per_s, 150);
  EXPECT_EQ(stats.longest_call, absl::Seconds(1)) << "the call that began before the window";
  const WindowStats next = SummarizeWindow(calls, kT0 + absl::Seconds(3), kT0 + absl::Seconds(4));
  EXPECT_EQ(next.longest_call, absl::Milliseconds(300)) << "where it committed";
}

TEST(WriteWindowTest, ALongCallCountsWhereItEndsAndFailuresCount) {
  const std::vector<WriteCall> calls = {Call(0.0, 0.2, 100), Call(0.2, 0.4, 0, /*ok=*/false),
                                        Call(0.4, 5.0, 100)};
  const WindowStats first = SummarizeWindow(calls, kT0, kT0 + absl::Seconds(1));
  EXPECT_EQ(first.calls, 2);
  EXPECT_EQ(first.failed_calls, 1);
  EXPECT_EQ(first.records, 100);
  EXPECT_EQ(first.longest_call, absl::Milliseconds(200));
  const WindowStats second = SummarizeWindow(calls, kT0 + absl::Seconds(1), kT0 + absl::Seconds(6));
  EXPECT_EQ(second.calls, 1);
  EXPECT_EQ(second.longest_call, absl::Milliseconds(4600));
}

TEST(WriteWindowTest, AnEmptyWindowHasNoRate) {
  const WindowStats stats = SummarizeWindow({Call(0, 1, 100)}, kT0, kT0);
  EXPECT_EQ(stats.records, 0);
  EXPECT_EQ(stats.records_per_s, 0);
  EXPECT_EQ(stats.length, absl::ZeroDuration());
}

TEST(WriteWindowTest, TwoWindowsCombineIntoOneOverTheirTotalLength) {
  const std::vector<WriteCall> calls = {Call(0.0, 1.0, 100), Call(1.0, 2.0, 300),
                                        Call(5.0, 5.5, 100), Call(5.5, 6.0, 100)};
  const WindowStats before = SummarizeWindow(calls, kT0, kT0 + absl::Milliseconds(2500));
  const WindowStats after =
      SummarizeWindow(calls, kT0 + absl::Seconds(5), kT0 + absl::Milliseconds(6500));
  const WindowStats both = CombineWindows(before, after);
  EXPECT_EQ(both.length, absl::Seconds(4));
  EXPECT_EQ(both.calls, 4);
  EXPECT_EQ(both.records, 600);
  EXPECT_EQ(both.stored_bytes, 600000);
  EXPECT_DOUBLE_EQ(both.records_per_s, 150);
  EXPECT_DOUBLE_EQ(both.mb_per_s, 150);
  EXPECT_EQ(both.longest_call, absl::Seconds(1));
  EXPECT_EQ(CombineWindows(WindowStats(), WindowStats()).records_per_s, 0);
}

}  // namespace
}  // namespace ingest::bench_retention
