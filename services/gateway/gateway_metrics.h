#pragma once

// The gateway's Prometheus metrics (ingest_gateway_*). Registered once in the
// constructor; handlers call these methods. Thread-safe.

#include <cstdint>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace ingest {

class GatewayMetrics {
 public:
  explicit GatewayMetrics(prometheus::Registry& registry);

  void RequestStarted();
  // `code` is the canonical status name, e.g. "OK", "UNAVAILABLE".
  void RequestFinished(absl::string_view rpc, absl::string_view code, absl::Duration latency);
  void PayloadReceived(int64_t bytes);
  void Produced(bool ok, absl::Duration latency);

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& latency_;
  prometheus::Gauge& in_flight_;
  prometheus::Histogram& payload_bytes_;
  prometheus::Family<prometheus::Histogram>& produce_latency_;
};

}  // namespace ingest
