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

  // outcome: "persisted" or "dead_lettered".
  void RecordsProcessed(absl::string_view type, absl::string_view outcome, int64_t count);
  // One committed transaction (possibly several partitions' batches).
  void BatchCommitted(int records, int64_t bytes, absl::Duration duration);
  void DatabaseRetry();
  // kind: "assigned", "revoked" or "lost" (taken without a revocation).
  void Rebalance(absl::string_view kind, int partitions);
  // The Kafka consumer, or the DLQ producer, failed for good and was
  // replaced in-process; reason: librdkafka's error name.
  void ConsumerRecreated(absl::string_view reason);
  void DlqProducerRecreated(absl::string_view reason);
  void SetAssignedPartitions(int count);
  void EndToEndDelay(absl::Duration delay);
  void DeadLettered(absl::string_view reason);
  void SessionQuarantined();
  // A redrive of a quarantined session: "lifted" (its last record stored),
  // "incomplete" (records followed past it; quarantine kept), "failed" (a
  // redriven record was poison again), "unconfirmed" (the quarantine row
  // does not name it).
  void Redrive(absl::string_view outcome);
  void PayloadIdGaps(int64_t gaps);
  void DuplicatesIgnored(int64_t records);
  void StreamsCompleted(int64_t streams);
  void StreamChunksExpired(int64_t rows);
  // Records of erased sessions, or of new sessions already past their
  // retention, dropped instead of stored; reason: "erased" or "expired".
  void RecordsDropped(absl::string_view reason, int64_t records);
  // A round of day-partition maintenance (partition_keeper.h) that
  // succeeded: partitions created, days left to the default partition.
  void DayPartitionsEnsured(int created, int skipped);
  // Session lifecycle and summaries (store/session_summaries.h).
  void SessionsCompleted(int64_t sessions);
  void SessionsReopened(int64_t sessions);
  void PayloadsUnparsed(int64_t payloads);
  // Live sessions in the database and the time since the least recently
  // active one's last payload (0: none).
  void SetLiveSessions(int64_t sessions, absl::Duration oldest_idle);
  void TransactionPhase(const char* phase, absl::Duration took);
  // Records in Kafka after the last persisted one, per owned partition.
  void SetPartitionLag(int32_t partition, int64_t records);
  void RemovePartition(int32_t partition);
  // Age of the oldest record taken from Kafka and not yet persisted (0: none).
  void SetOldestUnprocessedAge(absl::Duration age);
  // Bytes taken from Kafka and not yet persisted, and partitions paused.
  void SetHeld(int64_t bytes, int paused_partitions);

 private:
  prometheus::Family<prometheus::Counter>& records_;
  prometheus::Histogram& batch_records_;
  prometheus::Histogram& batch_bytes_;
  prometheus::Histogram& batch_duration_;
  prometheus::Counter& db_retries_;
  prometheus::Family<prometheus::Counter>& rebalances_;
  prometheus::Family<prometheus::Counter>& consumer_recreated_;
  prometheus::Family<prometheus::Counter>& dlq_producer_recreated_;
  prometheus::Gauge& assigned_partitions_;
  prometheus::Histogram& end_to_end_delay_;
  prometheus::Family<prometheus::Counter>& dead_letters_;
  prometheus::Counter& sessions_quarantined_;
  prometheus::Family<prometheus::Counter>& redrives_;
  prometheus::Counter& payload_id_gaps_;
  prometheus::Counter& duplicates_;
  prometheus::Counter& streams_completed_;
  prometheus::Counter& stream_chunks_expired_;
  prometheus::Family<prometheus::Counter>& records_dropped_;
  prometheus::Counter& day_partitions_created_;
  prometheus::Counter& day_partitions_skipped_;
  prometheus::Gauge& day_partitions_ensured_at_;
  prometheus::Counter& sessions_completed_;
  prometheus::Counter& sessions_reopened_;
  prometheus::Counter& payloads_unparsed_;
  prometheus::Gauge& live_sessions_;
  prometheus::Gauge& oldest_live_session_idle_;
  prometheus::Family<prometheus::Histogram>& transaction_phase_;
  prometheus::Family<prometheus::Gauge>& partition_lag_;
  prometheus::Gauge& oldest_unprocessed_age_;
  prometheus::Gauge& held_bytes_;
  prometheus::Gauge& paused_partitions_;
};

}  // namespace ingest
