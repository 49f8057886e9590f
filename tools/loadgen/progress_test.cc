#include "tools/loadgen/progress.h"

#include <cstdio>
#include <string>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "tests/testing/file_contents.h"

namespace ingest::loadgen {
namespace {

TEST(FormatLoadProgressTest, ShowsCountsAndRate) {
  EXPECT_EQ(FormatLoadProgress({.acked = 312,
                                .total = 500,
                                .bytes = 96'400'000,
                                .elapsed = absl::Seconds(2),
                                .retries = 3,
                                .errors = 1}),
            "loadgen: 312/500 acked  48.2 MB/s  retries=3  errors=1");
}

TEST(FormatLoadProgressTest, ZeroElapsedHasZeroRate) {
  EXPECT_EQ(FormatLoadProgress({.total = 10}),
            "loadgen: 0/10 acked  0.0 MB/s  retries=0  errors=0");
}

TEST(FormatVerifyProgressTest, ShowsPersistedAndWaitTime) {
  EXPECT_EQ(FormatVerifyProgress(480, 500, absl::Milliseconds(3250)),
            "verify: 480/500 persisted  3.2s");
}

TEST(FormatCompletionProgressTest, ShowsCompletedAndWaitTime) {
  EXPECT_EQ(FormatCompletionProgress(18, 20, absl::Milliseconds(12300)),
            "verify: 18/20 sessions completed  12.3s");
}

TEST(ProgressTickerTest, StopShowsTheFinalLineOnce) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  Console console(file, /*is_tty=*/false);
  int calls = 0;
  {
    ProgressTicker ticker(console, absl::Hours(1), [&calls] {
      ++calls;
      return std::string("final");
    });
    ticker.Stop();
    ticker.Stop();
  }
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(FileContents(file), "final\n");
  std::fclose(file);
}

TEST(ProgressTickerTest, TicksRepeatedlyUntilStopped) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  Console console(file, /*is_tty=*/false);
  absl::Mutex mu;
  int calls = 0;
  ProgressTicker ticker(console, absl::Milliseconds(1), [&] {
    absl::MutexLock lock(&mu);
    ++calls;
    return std::string("tick");
  });
  {
    absl::MutexLock lock(&mu);
    const auto three_ticks = [&calls]() ABSL_SHARED_LOCKS_REQUIRED(mu) {
      return calls >= 3;
    };
    EXPECT_TRUE(mu.AwaitWithTimeout(absl::Condition(&three_ticks),
                                    absl::Seconds(30)));
  }
  ticker.Stop();
  std::fclose(file);
}

}  // namespace
}  // namespace ingest::loadgen
