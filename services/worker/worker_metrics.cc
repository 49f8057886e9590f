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
                      .Help("Partitions assigned, revoked or lost by consumer-group "
                            "rebalances (kind).")
                      .Register(registry)),
      consumer_recreated_(prometheus::BuildCounter()
                              .Name("ingest_worker_consumer_recreated_total")
                              .Help("Kafka consumers replaced in-process after a fatal error "
                                    "(reason: the error, e.g. FENCED_INSTANCE_ID).")
                              .Register(registry)),
      dlq_producer_recreated_(prometheus::BuildCounter()
                                  .Name("ingest_worker_dlq_producer_recreated_total")
                                  .Help("DLQ producers replaced in-process after a fatal error "
                                        "(reason: the error).")
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
                            .Add({}, ExponentialBuckets(0.005, 2, 16))),
      dead_letters_(prometheus::BuildCounter()
                        .Name("ingest_worker_dead_letters_total")
                        .Help("Records produced to the dead-letter topic, by reason.")
                        .Register(registry)),
      sessions_quarantined_(prometheus::BuildCounter()
                                .Name("ingest_worker_sessions_quarantined_total")
                                .Help("Sessions quarantined by a poison record.")
                                .Register(registry)
                                .Add({})),
      redrives_(prometheus::BuildCounter()
                    .Name("ingest_worker_redrives_total")
                    .Help("Redrives of quarantined sessions seen, by outcome (lifted, "
                          "incomplete, failed, unconfirmed).")
                    .Register(registry)),
      payload_id_gaps_(prometheus::BuildCounter()
                           .Name("ingest_worker_payload_id_gaps_total")
                           .Help("Payload ids skipped when a higher id arrived "
                                 "(sessions.payload_id_gaps holds the ids still missing).")
                           .Register(registry)
                           .Add({})),
      duplicates_(prometheus::BuildCounter()
                      .Name("ingest_worker_duplicate_records_total")
                      .Help("Exact replays of stored payloads, ignored.")
                      .Register(registry)
                      .Add({})),
      streams_completed_(
          prometheus::BuildCounter()
              .Name("ingest_worker_streams_completed_total")
              .Help("Streamed payloads whose chunks were all present: moved into session_payloads.")
              .Register(registry)
              .Add({})),
      stream_chunks_expired_(
          prometheus::BuildCounter()
              .Name("ingest_worker_stream_chunks_expired_total")
              .Help("Chunk rows of streams that never completed, removed after --stream_chunk_ttl.")
              .Register(registry)
              .Add({})),
      records_dropped_(prometheus::BuildCounter()
                           .Name("ingest_worker_records_dropped_total")
                           .Help("Records not stored: reason=erased (their session was erased: a "
                                 "late payload, a replay or a redrive), reason=expired (a new "
                                 "session already past its retention).")
                           .Register(registry)),
      day_partitions_created_(
          prometheus::BuildCounter()
              .Name("ingest_worker_day_partitions_created_total")
              .Help("Day partitions of session_payloads and payload_facts created ahead.")
              .Register(registry)
              .Add({})),
      day_partitions_skipped_(
          prometheus::BuildCounter()
              .Name("ingest_worker_day_partitions_skipped_total")
              .Help("Day partitions not created because the default partition holds rows of their "
                    "day (partitions were not created ahead in time).")
              .Register(registry)
              .Add({})),
      day_partitions_ensured_at_(prometheus::BuildGauge()
                                     .Name("ingest_worker_day_partitions_ensured_timestamp_seconds")
                                     .Help("When this worker last checked the day partitions ahead "
                                           "successfully (Unix seconds; 0: never).")
                                     .Register(registry)
                                     .Add({})),
      sessions_completed_(prometheus::BuildCounter()
                              .Name("ingest_worker_sessions_completed_total")
                              .Help("Live sessions completed after their idle timeout (by the "
                                    "partition's watermark).")
                              .Register(registry)
                              .Add({})),
      sessions_reopened_(prometheus::BuildCounter()
                             .Name("ingest_worker_sessions_reopened_total")
                             .Help("Completed sessions made live again by a later payload.")
                             .Register(registry)
                             .Add({})),
      payloads_unparsed_(
          prometheus::BuildCounter()
              .Name("ingest_worker_payloads_unparsed_total")
              .Help("Stored payloads whose facts say the gateway did not read them (unparsed).")
              .Register(registry)
              .Add({})),
      live_sessions_(
          prometheus::BuildGauge()
              .Name("ingest_worker_live_sessions")
              .Help("Sessions in status live (the whole database; take max() across workers).")
              .Register(registry)
              .Add({})),
      oldest_live_session_idle_(prometheus::BuildGauge()
                                    .Name("ingest_worker_oldest_live_session_idle_seconds")
                                    .Help("Time since the least recently active live session's "
                                          "last record (the whole database).")
                                    .Register(registry)
                                    .Add({})),
      transaction_phase_(prometheus::BuildHistogram()
                             .Name("ingest_worker_transaction_phase_seconds")
                             .Help("Time of each phase of a committed transaction (begin, "
                                   "other_tasks, lock, chunks, payloads, sessions, "
                                   "quarantines, lifecycle, offsets, dead_letters, commit).")
                             .Register(registry)),
      partition_lag_(prometheus::BuildGauge()
                         .Name("ingest_worker_consumer_lag_records")
                         .Help("Records in Kafka after the last persisted one, per partition.")
                         .Register(registry)),
      oldest_unprocessed_age_(prometheus::BuildGauge()
                                  .Name("ingest_worker_oldest_unprocessed_age_seconds")
                                  .Help("Age of the oldest record taken and not yet persisted.")
                                  .Register(registry)
                                  .Add({})),
      held_bytes_(prometheus::BuildGauge()
                      .Name("ingest_worker_held_bytes")
                      .Help("Record bytes taken from Kafka and not yet persisted.")
                      .Register(registry)
                      .Add({})),
      paused_partitions_(prometheus::BuildGauge()
                             .Name("ingest_worker_paused_partitions")
                             .Help("Owned partitions paused (database retry or backpressure).")
                             .Register(registry)
                             .Add({})) {}

void WorkerMetrics::RecordsProcessed(absl::string_view type, absl::string_view outcome,
                                     int64_t count) {
  records_.Add({{"type", std::string(type)}, {"outcome", std::string(outcome)}})
      .Increment(static_cast<double>(count));
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

void WorkerMetrics::ConsumerRecreated(absl::string_view reason) {
  consumer_recreated_.Add({{"reason", std::string(reason)}}).Increment();
}

void WorkerMetrics::DlqProducerRecreated(absl::string_view reason) {
  dlq_producer_recreated_.Add({{"reason", std::string(reason)}}).Increment();
}

void WorkerMetrics::SetAssignedPartitions(int count) { assigned_partitions_.Set(count); }

void WorkerMetrics::EndToEndDelay(absl::Duration delay) {
  end_to_end_delay_.Observe(absl::ToDoubleSeconds(delay));
}

}  // namespace ingest

namespace ingest {

void WorkerMetrics::DeadLettered(absl::string_view reason) {
  dead_letters_.Add({{"reason", std::string(reason)}}).Increment();
}

void WorkerMetrics::SessionQuarantined() { sessions_quarantined_.Increment(); }

void WorkerMetrics::RecordsDropped(absl::string_view reason, int64_t records) {
  records_dropped_.Add({{"reason", std::string(reason)}}).Increment(static_cast<double>(records));
}

void WorkerMetrics::DayPartitionsEnsured(int created, int skipped) {
  day_partitions_created_.Increment(created);
  day_partitions_skipped_.Increment(skipped);
  day_partitions_ensured_at_.SetToCurrentTime();
}

void WorkerMetrics::Redrive(absl::string_view outcome) {
  redrives_.Add({{"outcome", std::string(outcome)}}).Increment();
}

void WorkerMetrics::PayloadIdGaps(int64_t gaps) {
  payload_id_gaps_.Increment(static_cast<double>(gaps));
}

void WorkerMetrics::DuplicatesIgnored(int64_t records) {
  duplicates_.Increment(static_cast<double>(records));
}

void WorkerMetrics::StreamsCompleted(int64_t streams) {
  streams_completed_.Increment(static_cast<double>(streams));
}

void WorkerMetrics::TransactionPhase(const char* phase, absl::Duration took) {
  static const auto* const kBuckets =
      new prometheus::Histogram::BucketBoundaries(ExponentialBuckets(0.0002, 2, 14));
  transaction_phase_.Add({{"phase", phase}}, *kBuckets).Observe(absl::ToDoubleSeconds(took));
}

void WorkerMetrics::SessionsCompleted(int64_t sessions) {
  sessions_completed_.Increment(static_cast<double>(sessions));
}

void WorkerMetrics::SessionsReopened(int64_t sessions) {
  sessions_reopened_.Increment(static_cast<double>(sessions));
}

void WorkerMetrics::PayloadsUnparsed(int64_t payloads) {
  payloads_unparsed_.Increment(static_cast<double>(payloads));
}

void WorkerMetrics::SetLiveSessions(int64_t sessions, absl::Duration oldest_idle) {
  live_sessions_.Set(static_cast<double>(sessions));
  oldest_live_session_idle_.Set(absl::ToDoubleSeconds(oldest_idle));
}

void WorkerMetrics::StreamChunksExpired(int64_t rows) {
  stream_chunks_expired_.Increment(static_cast<double>(rows));
}

void WorkerMetrics::SetPartitionLag(int32_t partition, int64_t records) {
  partition_lag_.Add({{"partition", std::to_string(partition)}})
      .Set(static_cast<double>(records));
}

void WorkerMetrics::RemovePartition(int32_t partition) {
  auto& gauge = partition_lag_.Add({{"partition", std::to_string(partition)}});
  partition_lag_.Remove(&gauge);
}

void WorkerMetrics::SetOldestUnprocessedAge(absl::Duration age) {
  oldest_unprocessed_age_.Set(absl::ToDoubleSeconds(age));
}

void WorkerMetrics::SetHeld(int64_t bytes, int paused_partitions) {
  held_bytes_.Set(static_cast<double>(bytes));
  paused_partitions_.Set(paused_partitions);
}

}  // namespace ingest
