#pragma once

// broker-proxy's Prometheus metrics (ingest_broker_proxy_*), registered in
// the constructor; the service calls RequestFinished(), RetentionAdmin the
// retention and erasure ones. Thread-safe.

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace ingest {

class BrokerProxyMetrics {
 public:
  explicit BrokerProxyMetrics(prometheus::Registry& registry);

  // One answered call: ingest_broker_proxy_requests_total{rpc,code} and
  // ingest_broker_proxy_request_duration_seconds{rpc}.
  void RequestFinished(absl::string_view rpc, absl::StatusCode code, absl::Duration latency);

  // A change of --operator_token_file was applied, or refused and the
  // tokens in force kept: ingest_broker_proxy_secret_reloads_total{result}.
  void SecretsReloaded(bool applied);

  // What a retention run (not a dry run) removed:
  // ingest_broker_proxy_retention_{partitions_dropped,bytes_dropped,
  // sessions_deleted,rows_deleted}_total.
  void RetentionEnforced(int64_t partitions_dropped, int64_t bytes_dropped,
                         int64_t sessions_deleted, int64_t rows_deleted);

  // ingest_broker_proxy_retention_last_success_timestamp_seconds: when the
  // last retention run finished (0 until one is known).
  void SetRetentionLastSuccess(absl::Time finished);

  // An erasure (not a dry run) of `sessions` sessions:
  // ingest_broker_proxy_erasures_total, ingest_broker_proxy_sessions_erased_total.
  void SessionsErased(int64_t sessions);

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Counter>& secret_reloads_;
  prometheus::Family<prometheus::Histogram>& duration_;
  prometheus::Counter& partitions_dropped_;
  prometheus::Counter& bytes_dropped_;
  prometheus::Counter& sessions_deleted_;
  prometheus::Counter& rows_deleted_;
  prometheus::Gauge& last_success_;
  prometheus::Counter& erasures_;
  prometheus::Counter& sessions_erased_;
};

}  // namespace ingest
