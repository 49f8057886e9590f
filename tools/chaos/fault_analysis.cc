#include "tools/chaos/fault_analysis.h"

#include <algorithm>

namespace ingest::chaos {
namespace {

constexpr absl::Duration kSecond = absl::Seconds(1);

// Adds the seconds for which `include(start_of_second)` holds.
template <typename Include>
IntervalStats Sum(const RunRecord& record, Include include) {
  IntervalStats stats;
  LatencyHistogram latency;
  for (size_t i = 0; i < record.seconds.size(); ++i) {
    if (!include(record.SecondStart(i))) continue;
    const SecondStats& second = record.seconds[i];
    stats.calls += second.attempts;
    stats.errors += second.errors();
    latency.Merge(second.ok_latency);
  }
  stats.p50 = latency.Quantile(0.50);
  stats.p99 = latency.Quantile(0.99);
  return stats;
}

// Milliseconds from the record's origin, rounded down like AttemptSpan's.
int64_t MillisFromOrigin(const RunRecord& record, absl::Time time) {
  return absl::ToInt64Milliseconds(
      absl::Floor(time - record.origin, absl::Milliseconds(1)));
}

}  // namespace

IntervalStats StatsWithin(const RunRecord& record, absl::Time from,
                          absl::Time to) {
  return Sum(record, [&](absl::Time second) {
    return second >= from && second + kSecond <= to;
  });
}

IntervalStats StatsOverlapping(const RunRecord& record,
                               absl::Span<const FaultWindow> windows) {
  return Sum(record, [&](absl::Time second) {
    return std::any_of(windows.begin(), windows.end(),
                       [&](const FaultWindow& window) {
                         return second < window.end &&
                                second + kSecond > window.start;
                       });
  });
}

int64_t TotalErrors(const RunRecord& record) {
  int64_t errors = 0;
  for (const SecondStats& second : record.seconds) errors += second.errors();
  return errors;
}

int64_t MaxLag(absl::Span<const LagSample> samples) {
  int64_t max = 0;
  for (const LagSample& sample : samples) max = std::max(max, sample.lag);
  return max;
}

Recovery ComputeRecovery(absl::Span<const LagSample> samples,
                         absl::Time baseline_start, const FaultMarks& marks,
                         int64_t lag_floor, absl::Time drain_end) {
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

NoOkCheck CheckNoOkDuringFaults(const RunRecord& record,
                                absl::Span<const FaultWindow> windows,
                                absl::Duration grace) {
  NoOkCheck check;
  check.complete = record.spans_complete;
  for (const SecondStats& second : record.seconds) {
    check.longest_attempt = std::max(check.longest_attempt, second.max_duration);
  }
  for (const FaultWindow& window : windows) {
    const int64_t from = MillisFromOrigin(record, window.start + grace);
    const int64_t to = MillisFromOrigin(record, window.end);
    for (const AttemptSpan& span : record.spans) {
      if (span.end_ms < from || span.end_ms > to) continue;
      ++check.checked;
      if (span.ok) ++check.ok;
    }
  }
  return check;
}

}  // namespace ingest::chaos
