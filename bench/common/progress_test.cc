#include "bench/common/progress.h"

#include <cstdio>
#include <string>

#include "gtest/gtest.h"
#include "tests/testing/file_contents.h"

namespace ingest::bench {
namespace {

TEST(FormatPhaseStatusTest, ShowsTitleBarTimesAndDetail) {
  EXPECT_EQ(FormatPhaseStatus("100KB gateway throughput", absl::Milliseconds(6500),
                              absl::Seconds(13), "1520 msg/s"),
            "[bench] 100KB gateway throughput [##########----------]   6.5/13.0s  1520 msg/s");
  EXPECT_EQ(FormatPhaseStatus("setup", absl::Seconds(1), absl::ZeroDuration(), ""),
            "[bench] setup [####################]   1.0/0.0s");
}

TEST(FormatWorkStatusTest, BarShowsTheWorkDone) {
  EXPECT_EQ(FormatWorkStatus("stream 256MB", absl::Milliseconds(3200), 0.5, "128/256 MB sent"),
            "[bench] stream 256MB [##########----------]   3.2s  128/256 MB sent");
}

TEST(PhaseProgressTest, FinishWritesTheFinalLineOnce) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  {
    PhaseProgress progress(file, "phase", absl::Hours(1), [] { return std::string("done"); });
    progress.Finish();
    progress.Finish();
  }
  const std::string text = FileContents(file);
  std::fclose(file);
  EXPECT_EQ(text.find("[bench] phase "), 0u) << text;
  EXPECT_NE(text.find("  done\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("[bench]", 1), std::string::npos) << text;  // one line only
}

}  // namespace
}  // namespace ingest::bench
