#include "tools/chaos/timeline.h"

#include <cstdio>
#include <vector>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"

namespace ingest::chaos {
namespace {

const absl::Time kOrigin = absl::FromUnixMillis(1'700'000'000'000);

TEST(TimelineTest, OneJsonLinePerSecondThroughTheLastSample) {
  RunRecorder recorder(kOrigin);
  recorder.RecordAttempt({.start = kOrigin + absl::Milliseconds(100),
                          .end = kOrigin + absl::Milliseconds(150),
                          .code = absl::StatusCode::kOk});
  recorder.RecordAttempt({.start = kOrigin + absl::Milliseconds(900),
                          .end = kOrigin + absl::Milliseconds(910),
                          .code = absl::StatusCode::kUnavailable});
  recorder.RecordAck(kOrigin + absl::Milliseconds(150));
  const std::vector<LagSample> samples = {
      {.at = kOrigin + absl::Milliseconds(500), .lag = 3},
      {.at = kOrigin + absl::Milliseconds(1000), .lag = 9},
      {.at = kOrigin + absl::Milliseconds(1500), .lag = 4},
      {.at = kOrigin + absl::Milliseconds(3200), .lag = 0},
  };
  // 50 ms is reported as the middle of its histogram bin.
  const std::string p99 = absl::StrFormat(
      "%.1f", LatencyHistogram::MiddleOf(LatencyHistogram::BinOf(50'000)) / 1000);
  EXPECT_EQ(FormatTimeline(recorder.Snapshot(), samples),
            "{\"t_s\":0,\"acked\":1,\"attempts\":2,\"errors\":1,\"p99_ms\":" + p99 +
                ",\"lag\":3}\n"
            "{\"t_s\":1,\"acked\":0,\"attempts\":0,\"errors\":0,\"p99_ms\":0.0,\"lag\":9}\n"
            "{\"t_s\":2,\"acked\":0,\"attempts\":0,\"errors\":0,\"p99_ms\":0.0,\"lag\":9}\n"
            "{\"t_s\":3,\"acked\":0,\"attempts\":0,\"errors\":0,\"p99_ms\":0.0,\"lag\":0}\n");
}

TEST(TimelineTest, LagIsNullBeforeTheFirstSample) {
  RunRecorder recorder(kOrigin);
  recorder.RecordAck(kOrigin + absl::Milliseconds(1500));
  EXPECT_EQ(FormatTimeline(recorder.Snapshot(), {}),
            "{\"t_s\":0,\"acked\":0,\"attempts\":0,\"errors\":0,\"p99_ms\":0.0,\"lag\":null}\n"
            "{\"t_s\":1,\"acked\":1,\"attempts\":0,\"errors\":0,\"p99_ms\":0.0,\"lag\":null}\n");
}

TEST(WriteTextFileTest, WritesAndReportsAnUnwritablePath) {
  const std::string path = ::testing::TempDir() + "/timeline.jsonl";
  ASSERT_TRUE(WriteTextFile(path, "a\n").ok());
  std::FILE* file = std::fopen(path.c_str(), "r");
  ASSERT_NE(file, nullptr);
  char buffer[8] = {};
  EXPECT_EQ(std::fread(buffer, 1, sizeof(buffer), file), 2u);
  std::fclose(file);
  EXPECT_STREQ(buffer, "a\n");
  EXPECT_FALSE(WriteTextFile("/nonexistent-dir/x", "a").ok());
}

}  // namespace
}  // namespace ingest::chaos
