#pragma once

// broker-proxy's Prometheus metrics (ingest_broker_proxy_*), registered in
// the constructor; the service calls RequestFinished(). Thread-safe.

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
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

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Counter>& secret_reloads_;
  prometheus::Family<prometheus::Histogram>& duration_;
};

}  // namespace ingest
