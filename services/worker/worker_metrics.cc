#include "services/worker/worker_metrics.h"

#include <string>

#include "services/common/metrics/buckets.h"

namespace ingest {

WorkerMetrics::WorkerMetrics(prometheus::Registry& registry)
    : records_(prometheus::BuildCounter()
                   .Name("ingest_worker_records_total")
                   .Help("Kafka records handled, by task type and outcome.")
                   .Register(registry)),
      batch_records_(prometheus::BuildHistogram()
                         .Name("ingest_worker_batch_records")
                         .Help("Records per committed batch.")
                         .Register(registry)
                         .Add({}, ExponentialBuckets(1, 2, 12))),
      batch_bytes_(prometheus::BuildHistogram()
                       .Name("ingest_worker_batch_bytes")
                       .Help("Payload bytes per committed batch.")
                       .Register(registry)
                       .Add({}, ExponentialBuckets(1024, 4, 10))),
      batch_duration_(prometheus::BuildHistogram()
                          .Name("ingest_worker_batch_duration_seconds")
                          .Help("Time to persist one batch in PostgreSQL.")
                          .Register(registry)
                          .Add({}, ExponentialBuckets(0.001, 2, 15))),
      db_retries_(prometheus::BuildCounter()
                      .Name("ingest_worker_db_retries_total")
                      .Help("Batch writes that failed and were scheduled for retry.")
                      .Register(registry)
                      .Add({})),
      rebalances_(prometheus::BuildCounter()
                      .Name("ingest_worker_rebalance_partitions_total")
                      .Help("Partitions assigned or revoked by consumer-group rebalances.")
                      .Register(registry)),
      assigned_partitions_(prometheus::BuildGauge()
                               .Name("ingest_worker_assigned_partitions")
                               .Help("Partitions this worker currently owns.")
                               .Register(registry)
                               .Add({})),
      end_to_end_delay_(prometheus::BuildHistogram()
                            .Name("ingest_worker_end_to_end_delay_seconds")
                            .Help("From the gateway receiving a task to its database commit.")
                            .Register(registry)
                            .Add({}, ExponentialBuckets(0.005, 2, 16))) {}

void WorkerMetrics::RecordProcessed(absl::string_view type, absl::string_view outcome) {
  records_.Add({{"type", std::string(type)}, {"outcome", std::string(outcome)}}).Increment();
}

void WorkerMetrics::BatchCommitted(int records, int64_t bytes, absl::Duration duration) {
  batch_records_.Observe(records);
  batch_bytes_.Observe(static_cast<double>(bytes));
  batch_duration_.Observe(absl::ToDoubleSeconds(duration));
}

void WorkerMetrics::DatabaseRetry() { db_retries_.Increment(); }

void WorkerMetrics::Rebalance(absl::string_view kind, int partitions) {
  rebalances_.Add({{"kind", std::string(kind)}}).Increment(partitions);
}

void WorkerMetrics::SetAssignedPartitions(int count) { assigned_partitions_.Set(count); }

void WorkerMetrics::EndToEndDelay(absl::Duration delay) {
  end_to_end_delay_.Observe(absl::ToDoubleSeconds(delay));
}

}  // namespace ingest
