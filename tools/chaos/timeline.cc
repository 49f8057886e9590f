#include "tools/chaos/timeline.h"

#include <algorithm>
#include <cstdint>
#include <optional>

#include "tools/chaos/fault_analysis.h"

namespace ingest::chaos {

std::vector<TimelineSecond> Timeline(const RunRecord& record, absl::Span<const LagSample> samples) {
  size_t seconds = record.acked_per_second.size();
  for (const AttemptSpan& attempt : record.attempts) {
    seconds = std::max(seconds, static_cast<size_t>(attempt.start_us / 1'000'000) + 1);
  }
  // Largest sample per second.
  std::vector<std::optional<int64_t>> lag_by_second(seconds);
  for (const LagSample& sample : samples) {
    if (sample.at < record.origin) continue;
    const auto second = static_cast<size_t>(
        absl::ToInt64Seconds(absl::Floor(sample.at - record.origin, absl::Seconds(1))));
    if (second >= lag_by_second.size()) lag_by_second.resize(second + 1);
    lag_by_second[second] = std::max(lag_by_second[second].value_or(0), sample.lag);
  }

  std::vector<TimelineSecond> timeline(lag_by_second.size());
  std::optional<int64_t> lag;
  for (size_t i = 0; i < timeline.size(); ++i) {
    const absl::Time start = record.origin + absl::Seconds(static_cast<int64_t>(i));
    const IntervalStats stats = StatsWithin(record, start, start + absl::Seconds(1));
    TimelineSecond& line = timeline[i];
    line.set_t_s(static_cast<int32_t>(i));
    if (i < record.acked_per_second.size()) {
      line.set_acked(static_cast<int32_t>(record.acked_per_second[i]));
    }
    line.set_attempts(static_cast<int32_t>(stats.calls));
    line.set_errors(static_cast<int32_t>(stats.errors));
    line.set_p99_ms(absl::ToDoubleMilliseconds(stats.p99));
    if (lag_by_second[i].has_value()) lag = lag_by_second[i];
    if (lag.has_value()) line.set_lag(static_cast<int32_t>(*lag));
  }
  return timeline;
}

}  // namespace ingest::chaos
