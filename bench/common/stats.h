#pragma once

// Latency statistics over a run's samples: nearest-rank percentiles.

#include <cstdint>
#include <vector>

#include "absl/time/time.h"
#include "absl/types/span.h"

namespace ingest::bench {

// The nearest-rank `p`-th percentile of `sorted` (ascending): the smallest
// sample such that at least p% of the samples are less than or equal to it.
// `p` is in (0, 100]; p = 100 is the maximum. An empty span gives zero.
absl::Duration Percentile(absl::Span<const absl::Duration> sorted, double p);

// One point of a latency CDF: `fraction` of the samples took at most `latency`.
struct CdfPoint {
  double fraction = 0;
  absl::Duration latency;
};

struct LatencySummary {
  int64_t count = 0;
  absl::Duration p50;
  absl::Duration p99;
  absl::Duration max;
  // The distribution for a CDF plot: the minimum, every whole percentile,
  // 99.5, 99.9 and the maximum (nearest rank). Empty without samples.
  std::vector<CdfPoint> cdf;
};

// Sorts `samples` (taken by value) and summarizes them.
LatencySummary Summarize(std::vector<absl::Duration> samples);

}  // namespace ingest::bench
