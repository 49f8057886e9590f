#pragma once

// The gateway's fact extraction (issue 18) as its /metrics counts it
// (services/gateway/gateway_metrics.h): the running sum of the extraction
// histogram and the raw content bytes read. Read before and after a
// measurement window, their differences give the extraction seconds per GiB
// of that window.

#include <optional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "bench/common/http_get.h"

namespace ingest::bench {

inline constexpr absl::string_view kFactSecondsMetric =
    "ingest_gateway_fact_extraction_seconds_sum";
inline constexpr absl::string_view kFactBytesMetric = "ingest_gateway_fact_extraction_bytes_total";

// The two running totals at one moment, or their differences over a window.
struct FactCounters {
  double seconds = 0;  // time spent reading facts (the histogram's _sum)
  double bytes = 0;    // raw content bytes whose facts were read
};

// Seconds of fact extraction per GiB (2^30 bytes) of raw content read:
// seconds / (bytes / 2^30); nullopt when no bytes were read.
std::optional<double> FactsSecondsPerGib(const FactCounters& facts);

// The counters in a /metrics text; NOT_FOUND naming the metric when either
// is missing (a gateway without fact extraction). Pure.
absl::StatusOr<FactCounters> ParseFactCounters(absl::string_view exposition);

// What happened between two readings of one gateway: the differences;
// nullopt when a counter went backwards (the gateway restarted in between).
// Pure.
std::optional<FactCounters> FactExtractionBetween(const FactCounters& before,
                                                  const FactCounters& after);

// Reads one gateway's /metrics. Immutable; Read may be called from any
// thread (each call is its own connection).
class GatewayFactsProbe {
 public:
  // Each Read takes at most about `timeout` per step (HttpGet).
  GatewayFactsProbe(std::string metrics_url, absl::Duration timeout)
      : url_(std::move(metrics_url)), timeout_(timeout) {}

  // One GET: the counters now. UNAVAILABLE when the gateway does not
  // answer, FAILED_PRECONDITION on a status other than 200, NOT_FOUND as
  // ParseFactCounters.
  absl::StatusOr<FactCounters> Read() const;

 private:
  const std::string url_;
  const absl::Duration timeout_;
};

}  // namespace ingest::bench
