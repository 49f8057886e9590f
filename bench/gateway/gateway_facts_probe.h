#pragma once

// The gateway's fact extraction (issue 18) as its /metrics counts it
// (services/gateway/gateway_metrics.h): the running sum of the extraction
// histogram and the raw content bytes read. Read before and after a
// measurement window, their differences give the extraction seconds per GiB
// of that window (FactsSecondsPerGib in report.h).

#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "bench/common/report.h"

namespace ingest::bench {

inline constexpr absl::string_view kFactSecondsMetric =
    "ingest_gateway_fact_extraction_seconds_sum";
inline constexpr absl::string_view kFactBytesMetric = "ingest_gateway_fact_extraction_bytes_total";

// The two running totals at one moment.
struct FactCounters {
  double seconds = 0;
  double bytes = 0;
};

// The counters in a /metrics text; NOT_FOUND naming the metric when either
// is missing (a gateway without fact extraction). Pure.
absl::StatusOr<FactCounters> ParseFactCounters(absl::string_view exposition);

// What happened between two readings of one gateway: measured, with the
// differences; not measured when a counter went backwards (the gateway
// restarted in between). Pure.
FactExtraction FactExtractionBetween(const FactCounters& before, const FactCounters& after);

// Reads one gateway's /metrics. Immutable; Read may be called from any
// thread (each call is its own connection).
class GatewayFactsProbe {
 public:
  // `metrics_url`: http://IPV4:PORT/PATH (INVALID_ARGUMENT otherwise);
  // each Read takes at most about `timeout`.
  static absl::StatusOr<GatewayFactsProbe> Create(absl::string_view metrics_url,
                                                  absl::Duration timeout);

  // One GET: the counters now. UNAVAILABLE when the gateway does not
  // answer, FAILED_PRECONDITION on a status other than 200, NOT_FOUND as
  // ParseFactCounters.
  absl::StatusOr<FactCounters> Read() const;

  const std::string& url() const { return url_; }

 private:
  GatewayFactsProbe(std::string url, std::string host_port, std::string path,
                    absl::Duration timeout)
      : url_(std::move(url)),
        host_port_(std::move(host_port)),
        path_(std::move(path)),
        timeout_(timeout) {}

  std::string url_;
  std::string host_port_;
  std::string path_;
  absl::Duration timeout_;
};

}  // namespace ingest::bench
