#include "services/broker_proxy/broker_proxy_metrics.h"

#include <string>

#include "services/common/metrics/buckets.h"

namespace ingest {

BrokerProxyMetrics::BrokerProxyMetrics(prometheus::Registry& registry)
    : requests_(prometheus::BuildCounter()
                    .Name("ingest_broker_proxy_requests_total")
                    .Help("BrokerProxy calls answered, by RPC and gRPC status code.")
                    .Register(registry)),
      secret_reloads_(prometheus::BuildCounter()
                          .Name("ingest_broker_proxy_secret_reloads_total")
                          .Help("Changes of the operator tokens file, by result: applied, or "
                                "refused (the tokens in force kept; see the log).")
                          .Register(registry)),
      duration_(prometheus::BuildHistogram()
                    .Name("ingest_broker_proxy_request_duration_seconds")
                    .Help("Time from receiving a BrokerProxy call to answering it.")
                    .Register(registry)) {
  // Both series from the start, so a rate() over them is defined at 0.
  secret_reloads_.Add({{"result", "applied"}});
  secret_reloads_.Add({{"result", "refused"}});
}

void BrokerProxyMetrics::RequestFinished(absl::string_view rpc, absl::StatusCode code,
                                         absl::Duration latency) {
  // Operator traffic is rare: label lookups per call are fine here.
  requests_.Add({{"rpc", std::string(rpc)}, {"code", absl::StatusCodeToString(code)}})
      .Increment();
  duration_.Add({{"rpc", std::string(rpc)}}, ExponentialBuckets(0.005, 2, 14))
      .Observe(absl::ToDoubleSeconds(latency));
}

void BrokerProxyMetrics::SecretsReloaded(bool applied) {
  secret_reloads_.Add({{"result", applied ? "applied" : "refused"}}).Increment();
}

}  // namespace ingest
