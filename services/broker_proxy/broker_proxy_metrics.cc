#include "services/broker_proxy/broker_proxy_metrics.h"

#include <string>

#include "services/common/metrics/buckets.h"

namespace ingest {
namespace {

prometheus::Counter& Counter(prometheus::Registry& registry, const std::string& name,
                             const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add({});
}

}  // namespace

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
                    .Register(registry)),
      partitions_dropped_(Counter(registry,
                                  "ingest_broker_proxy_retention_partitions_dropped_total",
                                  "Day partitions dropped by retention enforcement.")),
      bytes_dropped_(Counter(registry, "ingest_broker_proxy_retention_bytes_dropped_total",
                             "Bytes on disk of the day partitions retention enforcement "
                             "dropped (indexes and TOAST included).")),
      sessions_deleted_(Counter(registry, "ingest_broker_proxy_retention_sessions_deleted_total",
                                "Expired sessions retention enforcement deleted in batches, "
                                "with every row of them.")),
      rows_deleted_(Counter(registry, "ingest_broker_proxy_retention_rows_deleted_total",
                            "Rows retention enforcement deleted in batches (not by dropping "
                            "partitions).")),
      last_success_(prometheus::BuildGauge()
                        .Name("ingest_broker_proxy_retention_last_success_timestamp_seconds")
                        .Help("When the last retention run (not a dry run) finished, in seconds "
                              "since the epoch, from this process or retention_runs; 0 until one "
                              "is known.")
                        .Register(registry)
                        .Add({})),
      erasures_(Counter(registry, "ingest_broker_proxy_erasures_total",
                        "Erasures done (EraseSessions that were not dry runs).")),
      sessions_erased_(Counter(registry, "ingest_broker_proxy_sessions_erased_total",
                               "Sessions erased (and tombstoned) by EraseSessions.")) {
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

void BrokerProxyMetrics::RetentionEnforced(int64_t partitions_dropped, int64_t bytes_dropped,
                                           int64_t sessions_deleted, int64_t rows_deleted) {
  partitions_dropped_.Increment(static_cast<double>(partitions_dropped));
  bytes_dropped_.Increment(static_cast<double>(bytes_dropped));
  sessions_deleted_.Increment(static_cast<double>(sessions_deleted));
  rows_deleted_.Increment(static_cast<double>(rows_deleted));
}

void BrokerProxyMetrics::SetRetentionLastSuccess(absl::Time finished) {
  last_success_.Set(absl::ToDoubleSeconds(finished - absl::UnixEpoch()));
}

void BrokerProxyMetrics::SessionsErased(int64_t sessions) {
  erasures_.Increment();
  sessions_erased_.Increment(static_cast<double>(sessions));
}

}  // namespace ingest
