#include "bench/common/stats.h"

#include <algorithm>
#include <cmath>

namespace ingest::bench {

absl::Duration Percentile(absl::Span<const absl::Duration> sorted, double p) {
  if (sorted.empty()) return absl::ZeroDuration();
  const double n = static_cast<double>(sorted.size());
  // p * n first keeps integer products exact (99 * 100 / 100 is 99, not
  // 99.00000000000001); the epsilon absorbs the rest of the rounding.
  int64_t rank = static_cast<int64_t>(std::ceil(p * n / 100.0 - 1e-9));
  rank = std::clamp<int64_t>(rank, 1, static_cast<int64_t>(sorted.size()));
  return sorted[static_cast<size_t>(rank - 1)];
}

LatencySummary Summarize(std::vector<absl::Duration> samples) {
  std::sort(samples.begin(), samples.end());
  LatencySummary summary;
  summary.count = static_cast<int64_t>(samples.size());
  summary.p50 = Percentile(samples, 50);
  summary.p99 = Percentile(samples, 99);
  summary.max = Percentile(samples, 100);
  if (samples.empty()) return summary;
  summary.cdf.push_back({0, samples.front()});
  for (int p = 1; p <= 99; ++p) summary.cdf.push_back({p / 100.0, Percentile(samples, p)});
  for (const double p : {99.5, 99.9, 100.0})
    summary.cdf.push_back({p / 100.0, Percentile(samples, p)});
  return summary;
}

}  // namespace ingest::bench
