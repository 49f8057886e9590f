#include "tools/chaos/timeline.h"

#include <string>
#include <vector>

#include "bench/common/results_file.h"
#include "gtest/gtest.h"

namespace ingest::chaos {
namespace {

const absl::Time kOrigin = absl::FromUnixMillis(1'700'000'000'000);

std::vector<std::string> JsonLines(const std::vector<TimelineSecond>& timeline) {
  std::vector<std::string> lines;
  for (const TimelineSecond& second : timeline) lines.push_back(bench::ToJsonLine(second));
  return lines;
}

TEST(TimelineTest, OneJsonLinePerSecondThroughTheLastSample) {
  RunRecorder recorder(kOrigin);
  recorder.RecordAttempt({.latency = absl::Milliseconds(50)}, kOrigin + absl::Milliseconds(150));
  recorder.RecordAttempt(
      {.status = absl::UnavailableError("down"), .latency = absl::Milliseconds(10)},
      kOrigin + absl::Milliseconds(910));
  recorder.RecordAck(kOrigin + absl::Milliseconds(150));
  const std::vector<LagSample> samples = {
      {.at = kOrigin + absl::Milliseconds(500), .lag = 3},
      {.at = kOrigin + absl::Milliseconds(1000), .lag = 9},
      {.at = kOrigin + absl::Milliseconds(1500), .lag = 4},
      {.at = kOrigin + absl::Milliseconds(3200), .lag = 0},
  };
  EXPECT_EQ(JsonLines(Timeline(recorder.Snapshot(), samples)),
            (std::vector<std::string>{
                R"({"t_s":0,"acked":1,"attempts":2,"errors":1,"p99_ms":50,"lag":3})",
                R"({"t_s":1,"acked":0,"attempts":0,"errors":0,"p99_ms":0,"lag":9})",
                R"({"t_s":2,"acked":0,"attempts":0,"errors":0,"p99_ms":0,"lag":9})",
                R"({"t_s":3,"acked":0,"attempts":0,"errors":0,"p99_ms":0,"lag":0})"}));
}

TEST(TimelineTest, LagIsAbsentBeforeTheFirstSample) {
  RunRecorder recorder(kOrigin);
  recorder.RecordAck(kOrigin + absl::Milliseconds(1500));
  EXPECT_EQ(
      JsonLines(Timeline(recorder.Snapshot(), {})),
      (std::vector<std::string>{R"({"t_s":0,"acked":0,"attempts":0,"errors":0,"p99_ms":0})",
                                R"({"t_s":1,"acked":1,"attempts":0,"errors":0,"p99_ms":0})"}));
}

}  // namespace
}  // namespace ingest::chaos
