#include "tools/console/progress.h"

#include <cstdio>
#include <string>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "tests/testing/file_contents.h"

namespace ingest::console {
namespace {

TEST(ProgressBarTest, FillsInProportion) {
  EXPECT_EQ(ProgressBar(0.0, 4), "[----]");
  EXPECT_EQ(ProgressBar(0.5, 4), "[##--]");
  EXPECT_EQ(ProgressBar(1.0, 4), "[####]");
}

TEST(ProgressBarTest, ClampsOutOfRangeFractions) {
  EXPECT_EQ(ProgressBar(-1.0, 4), "[----]");
  EXPECT_EQ(ProgressBar(7.0, 4), "[####]");
  EXPECT_EQ(ProgressBar(std::nan(""), 4), "[----]");
}

TEST(ProgressTickerTest, StopShowsTheFinalLineOnce) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  Console console(file, /*is_tty=*/false);
  int calls = 0;
  {
    ProgressTicker ticker(console,
                          [&calls] {
                            ++calls;
                            return std::string("final");
                          },
                          {.tty = absl::Hours(1), .log = absl::Hours(1)});
    ticker.Stop();
    ticker.Stop();
  }
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(FileContents(file), "final\n");
  std::fclose(file);
}

TEST(ProgressTickerTest, TicksAtTheLogIntervalUntilStopped) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  Console console(file, /*is_tty=*/false);
  absl::Mutex mu;
  int calls = 0;
  ProgressTicker ticker(console,
                        [&] {
                          absl::MutexLock lock(&mu);
                          ++calls;
                          return std::string("tick");
                        },
                        {.tty = absl::Hours(1), .log = absl::Milliseconds(1)});
  {
    absl::MutexLock lock(&mu);
    const auto three_ticks = [&calls]() ABSL_SHARED_LOCKS_REQUIRED(mu) { return calls >= 3; };
    EXPECT_TRUE(mu.AwaitWithTimeout(absl::Condition(&three_ticks), absl::Seconds(30)));
  }
  ticker.Stop();
  std::fclose(file);
}

}  // namespace
}  // namespace ingest::console
