#include "services/worker/batch_writer_pool.h"

#include <utility>

#include "absl/time/clock.h"
#include "services/common/logging/log.h"

namespace ingest {
BatchWriterPool::BatchWriterPool(BatchWriterPoolOptions options, const StoreFactory& make_store,
                                 DeadLetterSink sink, WorkerMetrics& metrics)
    : options_(std::move(options)), sink_(std::move(sink)), metrics_(metrics) {
  for (int i = 0; i < options_.threads; ++i) stores_.push_back(make_store());
  for (auto& store : stores_) {
    threads_.emplace_back([this, raw = store.get()] { WriterLoop(*raw); });
  }
}

BatchWriterPool::~BatchWriterPool() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& thread : threads_) thread.join();
}

void BatchWriterPool::Submit(PartitionBatch batch) {
  absl::MutexLock lock(&mu_);
  queue_.push_back(std::move(batch));
}

std::vector<BatchResult> BatchWriterPool::TakeResults(absl::Duration wait) {
  absl::MutexLock lock(&mu_);
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !results_.empty(); };
  mu_.AwaitWithTimeout(absl::Condition(&ready), wait);
  return std::exchange(results_, {});
}

std::vector<PartitionBatch> BatchWriterPool::TakeTransaction() {
  std::vector<PartitionBatch> batches;
  int records = 0;
  int64_t bytes = 0;
  while (!queue_.empty()) {
    const PartitionBatch& next = queue_.front();
    const int next_records = static_cast<int>(next.records.size());
    const int64_t next_bytes = next.value_bytes();
    if (!batches.empty() && (records + next_records > options_.max_transaction_records ||
                             bytes + next_bytes > options_.max_transaction_bytes)) {
      break;
    }
    records += next_records;
    bytes += next_bytes;
    batches.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return batches;
}

void BatchWriterPool::WriterLoop(TaskStore& store) {
  while (true) {
    std::vector<PartitionBatch> batches;
    {
      absl::MutexLock lock(&mu_);
      auto work_or_stop = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || !queue_.empty();
      };
      mu_.Await(absl::Condition(&work_or_stop));
      if (stopping_) return;
      batches = TakeTransaction();
    }
    absl::StatusOr<PersistOutcome> outcome = WriteTransaction(store, absl::MakeSpan(batches));
    const absl::Status status = outcome.status();
    if (IsDataError(status) && batches.size() > 1) {
      // One record PostgreSQL refuses fails every batch of the transaction,
      // and the loop can only find it within a batch: write each alone, so
      // the innocent ones commit and only the culprit's batch reports it.
      log::Warn("worker.shared_transaction_refused",
                {{"batches", static_cast<int64_t>(batches.size())},
                 {"error", status.ToString()},
                 {"action", "writing each batch in its own transaction"}});
      for (PartitionBatch& batch : batches) {
        // Written before the batch is moved into the report: in one call
        // the order of the two arguments is the compiler's (clang moved
        // first, and wrote an empty batch).
        absl::StatusOr<PersistOutcome> alone = WriteTransaction(store, absl::MakeSpan(&batch, 1));
        Report(std::move(batch), alone);
      }
      continue;
    }
    for (PartitionBatch& batch : batches) Report(std::move(batch), outcome);
  }
}

absl::StatusOr<PersistOutcome> BatchWriterPool::WriteTransaction(
    TaskStore& store, absl::Span<const PartitionBatch> batches) {
  const absl::Time start = absl::Now();
  absl::StatusOr<PersistOutcome> outcome = store.PersistBatches(options_.topic, batches, sink_);
  if (outcome.ok()) RecordOutcome(batches, *outcome, absl::Now() - start);
  return outcome;
}

void BatchWriterPool::Report(PartitionBatch batch, const absl::StatusOr<PersistOutcome>& outcome) {
  BatchResult result = ResultOf(std::move(batch), outcome);
  absl::MutexLock lock(&mu_);
  results_.push_back(std::move(result));
}

void BatchWriterPool::RecordOutcome(absl::Span<const PartitionBatch> batches,
                                    const PersistOutcome& outcome, absl::Duration took) {
  int records = 0;
  int64_t bytes = 0;
  for (const PartitionBatch& batch : batches) {
    records += static_cast<int>(batch.records.size());
    bytes += batch.value_bytes();
  }
  metrics_.BatchCommitted(records, bytes, took);
  for (const auto& [phase, phase_took] : outcome.phases.laps()) {
    metrics_.TransactionPhase(phase, phase_took);
  }
  if (outcome.payload_id_gaps > 0) metrics_.PayloadIdGaps(outcome.payload_id_gaps);
  if (outcome.duplicates_ignored > 0) metrics_.DuplicatesIgnored(outcome.duplicates_ignored);
  if (outcome.streams_completed > 0) metrics_.StreamsCompleted(outcome.streams_completed);
  if (outcome.sessions_completed > 0) metrics_.SessionsCompleted(outcome.sessions_completed);
  if (outcome.sessions_reopened > 0) metrics_.SessionsReopened(outcome.sessions_reopened);
  if (outcome.payloads_unparsed > 0) metrics_.PayloadsUnparsed(outcome.payloads_unparsed);
  if (outcome.records_erased > 0) metrics_.RecordsDropped("erased", outcome.records_erased);
  if (outcome.records_expired > 0) metrics_.RecordsDropped("expired", outcome.records_expired);
  if (outcome.records_erased > 0 || outcome.records_expired > 0) {
    log::Info("worker.records_dropped",
              {{"erased", outcome.records_erased},
               {"expired", outcome.records_expired},
               {"detail",
                "records of erased sessions, or of new sessions already past their "
                "retention, are never stored"}});
  }
  for (const DeadLetter& letter : outcome.dead_letters) {
    metrics_.DeadLettered(DeadLetterReasonName(letter.reason));
    if (letter.quarantines_session) metrics_.SessionQuarantined();
    log::Warn("worker.dead_lettered", {{"reason", DeadLetterReasonName(letter.reason)},
                                       {"partition", letter.partition},
                                       {"offset", letter.offset},
                                       {"session_id", letter.session_id},
                                       {"quarantined", letter.quarantines_session},
                                       {"detail", letter.detail}});
  }
}

}  // namespace ingest
