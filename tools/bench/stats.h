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

struct LatencySummary {
  int64_t count = 0;
  absl::Duration p50;
  absl::Duration p99;
  absl::Duration max;
};

// Sorts `samples` (taken by value) and summarizes them.
LatencySummary Summarize(std::vector<absl::Duration> samples);

}  // namespace ingest::bench
