#pragma once

// Reading a number out of a Prometheus text exposition (a worker's
// /metrics), e.g. the partitions revoked so far:
//   ingest_worker_rebalance_partitions_total{kind="revoked"} 4

#include "absl/strings/string_view.h"

namespace ingest::bench_e2e {

// The sum of the samples of metric `name` whose label set contains
// `label_match` (e.g. `kind="revoked"`; empty = every sample). 0 when there
// is none (a labelled counter has no sample before its first increment).
// Comment lines and other metrics (including `name_bucket`, `name_sum`) are
// ignored.
double SumMetric(absl::string_view exposition, absl::string_view name,
                 absl::string_view label_match);

}  // namespace ingest::bench_e2e
