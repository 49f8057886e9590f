#pragma once

// Reading one number out of a Prometheus text exposition (a service's
// /metrics), e.g. a histogram's running sum or one label set of a counter:
//   ingest_gateway_fact_extraction_seconds_sum 1.25
//   ingest_worker_rebalance_partitions_total{kind="revoked"} 4
// Enough of the format for the project's own services (prometheus-cpp's
// output): comment lines, optional label sets (quoted values may hold `}`,
// spaces and escaped quotes), a value and an optional timestamp.
//
// Shared by bench/gateway (the gateway's fact extraction counters) and
// bench/e2e (a worker's partition gauge and rebalance counters).

#include <optional>

#include "absl/strings/string_view.h"

namespace ingest::bench {

// The sum of every sample of metric `name` over all its label sets; nullopt
// when `exposition` has no sample of it (e.g. the service does not export
// it). Only the exact name counts: `name_bucket`, `name_total` and the like
// are other metrics. Comment lines and lines that cannot be read are
// skipped. Pure.
std::optional<double> SumOfMetric(absl::string_view exposition, absl::string_view name);

// As above, over only the samples whose label set, as written and braces
// included, contains `label_match` as a substring (e.g. `kind="revoked"`);
// an empty `label_match` takes every sample, an unlabelled sample matches
// nothing else. nullopt when no sample matches: a labelled counter has no
// sample before its first increment, so a caller counting events wants
// `.value_or(0)`. Pure.
std::optional<double> SumOfMetric(absl::string_view exposition, absl::string_view name,
                                  absl::string_view label_match);

}  // namespace ingest::bench
