#pragma once

// The worker's Prometheus metrics (ingest_worker_*). Registered once in the
// constructor; the loop calls these methods and never touches the registry.
// Thread-safe (prometheus-cpp metrics are atomic).

#include <cstdint>
#include <memory>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace ingest {

class WorkerMetrics {
 public:
  explicit WorkerMetrics(prometheus::Registry& registry);

  // outcome: "persisted" or "undecodable".
  void RecordProcessed(absl::string_view type, absl::string_view outcome);
  void BatchCommitted(int records, int64_t bytes, absl::Duration duration);
  void DatabaseRetry();
  void Rebalance(absl::string_view kind, int partitions);
  void SetAssignedPartitions(int count);
  void EndToEndDelay(absl::Duration delay);

 private:
  prometheus::Family<prometheus::Counter>& records_;
  prometheus::Histogram& batch_records_;
  prometheus::Histogram& batch_bytes_;
  prometheus::Histogram& batch_duration_;
  prometheus::Counter& db_retries_;
  prometheus::Family<prometheus::Counter>& rebalances_;
  prometheus::Gauge& assigned_partitions_;
  prometheus::Histogram& end_to_end_delay_;
};

}  // namespace ingest
