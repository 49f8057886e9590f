#pragma once

// Reading one number out of a Prometheus text exposition (a service's
// /metrics), e.g. a histogram's running sum:
//   ingest_gateway_fact_extraction_seconds_sum 1.25
// Enough of the format for the project's own services (prometheus-cpp's
// output): comment lines, optional label sets (quoted values may hold `}`,
// spaces and escaped quotes), a value and an optional timestamp.

#include <optional>

#include "absl/strings/string_view.h"

namespace ingest::bench {

// The sum of every sample of metric `name` over all its label sets; nullopt
// when `exposition` has no sample of it (e.g. the service does not export
// it). Only the exact name counts: `name_bucket`, `name_total` and the like
// are other metrics. Comment lines and lines that cannot be read are
// skipped. Pure.
std::optional<double> SumOfMetric(absl::string_view exposition, absl::string_view name);

}  // namespace ingest::bench
