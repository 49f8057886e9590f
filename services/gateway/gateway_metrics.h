#pragma once

// The gateway's Prometheus metrics (ingest_gateway_*). Registered once in the
// constructor; handlers call these methods. Thread-safe.

#include <cstdint>
#include <iterator>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "services/common/kafka/kafka_stats.h"
#include "services/common/metrics/kafka_client_metrics.h"

namespace ingest {

class GatewayMetrics {
 public:
  // The RPCs whose series are created up front (per-call lookups by label
  // cost more than the rest of a small call's bookkeeping).
  static constexpr const char* kRpcs[] = {
      "InitializeSession", "PushPayload",        "PushPayloadStream", "IdentifySession",
      "AddSessionProperties", "AddSessionFeedback", "PushBackendErrors", "PushMetrics"};
  static constexpr int kCodes = 17;  // canonical status codes 0..16

  explicit GatewayMetrics(prometheus::Registry& registry);

  void RequestStarted(absl::string_view rpc);
  // Calls received and not yet answered.
  int64_t in_flight_requests() const { return static_cast<int64_t>(in_flight_.Value()); }
  void RequestFinished(absl::string_view rpc, absl::StatusCode code, absl::Duration latency);
  void PayloadReceived(int64_t bytes);
  // Facts were read from `bytes` of raw content in `took` (fact_extraction.h);
  // `unparsed_reason` is empty when the content parsed.
  void FactsExtracted(int64_t bytes, absl::Duration took, absl::string_view unparsed_reason);
  void Produced(bool ok, absl::Duration latency);
  // reason: unauthenticated, key_disabled, permission_denied,
  // invalid_argument, rate_limit, project_inflight_bytes, inflight_bytes.
  void Rejected(absl::string_view reason);
  void SetInFlightBytes(int64_t bytes);
  void SetKafkaReachable(bool reachable);
  // A change of a secrets file (--api_keys_file) was applied, or refused
  // and the previous contents kept.
  void SecretsReloaded(bool applied);
  // The producers' librdkafka statistics (statistics.interval.ms), as JSON.
  void RecordKafkaStatsJson(absl::string_view json) { kafka_.RecordJson(json); }

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& latency_;
  // [rpc][code] and [rpc], created in the constructor.
  prometheus::Counter* requests_by_rpc_code_[std::size(kRpcs)][kCodes];
  prometheus::Histogram* latency_by_rpc_[std::size(kRpcs)];
  prometheus::Histogram* produce_acked_;
  prometheus::Histogram* produce_failed_;
  prometheus::Gauge& in_flight_;
  // PushPayloadStream calls received and not yet answered.
  prometheus::Gauge& in_flight_streams_;
  prometheus::Histogram& payload_bytes_;
  prometheus::Family<prometheus::Histogram>& produce_latency_;
  prometheus::Family<prometheus::Counter>& rejected_;
  prometheus::Gauge& in_flight_bytes_;
  prometheus::Gauge& kafka_reachable_;
  prometheus::Histogram& fact_extraction_;
  prometheus::Counter& fact_extraction_bytes_;
  prometheus::Family<prometheus::Counter>& payloads_unparsed_;
  prometheus::Counter* secrets_applied_;
  prometheus::Counter* secrets_refused_;
  // ingest_gateway_kafka_*
  KafkaClientMetrics kafka_;
};

}  // namespace ingest
