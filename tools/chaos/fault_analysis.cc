#include "tools/chaos/fault_analysis.h"

#include <algorithm>
#include <vector>

#include "bench/common/stats.h"

namespace ingest::chaos {
namespace {

constexpr absl::Duration kSecond = absl::Seconds(1);

// Adds the attempts that started in a second for whose start
// `include(start_of_second)` holds.
template <typename Include>
IntervalStats Sum(const RunRecord& record, Include include) {
  IntervalStats stats;
  std::vector<absl::Duration> latencies;  // of the OK attempts
  for (const AttemptSpan& attempt : record.attempts) {
    if (!include(record.SecondOf(attempt))) continue;
    ++stats.calls;
    if (attempt.ok) {
      latencies.push_back(absl::Microseconds(attempt.latency_us));
    } else {
      ++stats.errors;
    }
  }
  std::sort(latencies.begin(), latencies.end());
  stats.p50 = bench::Percentile(latencies, 50);
  stats.p99 = bench::Percentile(latencies, 99);
  return stats;
}

// Microseconds from the record's origin.
int64_t MicrosFromOrigin(const RunRecord& record, absl::Time time) {
  return absl::ToInt64Microseconds(time - record.origin);
}

}  // namespace

IntervalStats StatsWithin(const RunRecord& record, absl::Time from, absl::Time to) {
  return Sum(record, [&](absl::Time second) { return second >= from && second + kSecond <= to; });
}

IntervalStats StatsOverlapping(const RunRecord& record, absl::Span<const FaultWindow> windows) {
  return Sum(record, [&](absl::Time second) {
    return std::any_of(windows.begin(), windows.end(), [&](const FaultWindow& window) {
      return second < window.end && second + kSecond > window.start;
    });
  });
}

int64_t TotalErrors(const RunRecord& record) {
  return std::count_if(record.attempts.begin(), record.attempts.end(),
                       [](const AttemptSpan& attempt) { return !attempt.ok; });
}

int64_t MaxLag(absl::Span<const LagSample> samples) {
  int64_t max = 0;
  for (const LagSample& sample : samples) max = std::max(max, sample.lag);
  return max;
}

Recovery ComputeRecovery(absl::Span<const LagSample> samples, absl::Time baseline_start,
                         const FaultMarks& marks, int64_t lag_floor, absl::Time drain_end) {
  Recovery recovery;
  for (const LagSample& sample : samples) {
    if (sample.at >= baseline_start && sample.at < marks.first_start()) {
      recovery.baseline = std::max(recovery.baseline, sample.lag);
    }
  }
  recovery.threshold = std::max(recovery.baseline, lag_floor);
  const absl::Time fault_end = marks.last_end();

  size_t i = 0;
  while (i < samples.size() &&
         (samples[i].at < fault_end || samples[i].lag <= recovery.threshold)) {
    ++i;
  }
  if (i == samples.size()) return recovery;  // never above: 0.0
  recovery.exceeded = true;
  for (++i; i < samples.size(); ++i) {
    if (!samples[i].stale && samples[i].lag <= recovery.threshold) {
      recovery.time = samples[i].at - fault_end;
      return recovery;
    }
  }
  recovery.recovered = false;
  recovery.time = std::max(absl::ZeroDuration(), drain_end - fault_end);
  return recovery;
}

NoOkCheck CheckNoOkDuringFaults(const RunRecord& record, absl::Span<const FaultWindow> windows,
                                absl::Duration grace) {
  NoOkCheck check;
  for (const AttemptSpan& attempt : record.attempts) {
    check.longest_attempt = std::max(check.longest_attempt, absl::Microseconds(attempt.latency_us));
  }
  for (const FaultWindow& window : windows) {
    const int64_t from = MicrosFromOrigin(record, window.start + grace);
    const int64_t to = MicrosFromOrigin(record, window.end);
    for (const AttemptSpan& attempt : record.attempts) {
      if (attempt.end_us() < from || attempt.end_us() > to) continue;
      ++check.checked;
      if (attempt.ok) ++check.ok;
    }
  }
  return check;
}

}  // namespace ingest::chaos
