#pragma once

// BatchWriterPool: a fixed number of writer threads, each with its own
// TaskStore (its own PostgreSQL connection). A writer takes every batch
// queued when it becomes free, up to a transaction's limits, and writes them
// in one transaction: with many partitions and small batches, transactions
// stay few and large. When PostgreSQL refuses the data of a shared
// transaction, each of its batches is written again alone, so a data error
// reported for a batch is always that batch's own.

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "services/worker/batch_writer.h"
#include "services/worker/store/task_store.h"
#include "services/worker/worker_metrics.h"

namespace ingest {

struct BatchWriterPoolOptions {
  std::string topic = "ingest.tasks";
  int threads = 4;
  // Limits of one transaction (at least one batch is always taken).
  int max_transaction_records = 2000;
  int64_t max_transaction_bytes = 16 << 20;
};

class BatchWriterPool final : public BatchWriter {
 public:
  using StoreFactory = std::function<std::unique_ptr<TaskStore>()>;

  // `sink` receives the dead letters of each transaction before it commits;
  // `metrics` must outlive the pool.
  BatchWriterPool(BatchWriterPoolOptions options, const StoreFactory& make_store,
                  DeadLetterSink sink, WorkerMetrics& metrics);
  // Lets transactions under way finish, then joins the writers. Queued
  // batches are dropped (unpersisted: replayed from the database offset).
  ~BatchWriterPool() override;

  void Submit(PartitionBatch batch) override;
  std::vector<BatchResult> TakeResults(absl::Duration wait) override;

 private:
  void WriterLoop(TaskStore& store);
  // Takes the batches of the next transaction off the queue.
  std::vector<PartitionBatch> TakeTransaction() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // One PersistBatches call, its metrics recorded when it committed.
  absl::StatusOr<PersistOutcome> WriteTransaction(TaskStore& store,
                                                  absl::Span<const PartitionBatch> batches);
  // Hands `batch` back with what became of it.
  void Report(PartitionBatch batch, const absl::StatusOr<PersistOutcome>& outcome)
      ABSL_LOCKS_EXCLUDED(mu_);
  void RecordOutcome(absl::Span<const PartitionBatch> batches, const PersistOutcome& outcome,
                     absl::Duration took);

  const BatchWriterPoolOptions options_;
  const DeadLetterSink sink_;
  WorkerMetrics& metrics_;
  absl::Mutex mu_;
  std::deque<PartitionBatch> queue_ ABSL_GUARDED_BY(mu_);
  std::vector<BatchResult> results_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::unique_ptr<TaskStore>> stores_;
  std::vector<std::thread> threads_;
};

}  // namespace ingest
