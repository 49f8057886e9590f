#pragma once

// The worker's store path under load: a writer thread calling the worker's
// own PgTaskStore (CreatePgTaskStore + PersistBatches, the transaction the
// worker commits per batch) back to back with payload records in the
// gateway's stored form, and timing every call. No Kafka: the records are
// made here, so what is measured is the worker's database side only, not
// its consumption.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "bench/retention/write_window.h"
#include "ingest/v1/task.pb.h"
#include "services/worker/store/task_store.h"

namespace ingest::bench_retention {

struct WriterOptions {
  std::string dsn;
  std::string topic = "bench.retention";  // consumer_offsets row of the writer
  int32_t partition = 0;
  int sessions = 8;  // records go to them round robin, payload ids 1, 2, 3, ... each
  std::string session_prefix = "writer-";
  int records_per_transaction = 100;
  int retention_days = 30;  // stamped on every record
  // A failed call is retried (the same records, as the worker retries a
  // batch) after failure_backoff; this many in a row stop the writer.
  int max_consecutive_failures = 10;
  absl::Duration failure_backoff = absl::Milliseconds(100);
};

// Created and stopped by one thread (the benchmark's main thread); the
// writing happens on a thread of its own.
class StoreWriter {
 public:
  // Connects the store, creates its day partitions ahead (as a worker does at
  // start), and starts writing. `templates`: PUSH_PAYLOAD tasks in stored
  // form (bench/common/payload_pool's), used round robin; each record gets
  // its session, payload id, retention and received_at here.
  static absl::StatusOr<std::unique_ptr<StoreWriter>> Start(const WriterOptions& options,
                                                            std::vector<v1::Task> templates);
  ~StoreWriter();

  // Stops after the call in flight; every call made, in order, or the
  // error that stopped the writer first. Later calls return the same.
  absl::StatusOr<std::vector<WriteCall>> Stop();

  // Records committed so far (any thread: progress lines).
  int64_t committed_records() const { return committed_.load(); }

 private:
  StoreWriter(const WriterOptions& options, std::vector<v1::Task> templates,
              std::unique_ptr<TaskStore> store);

  void Run();
  // One PersistBatches of `batches`, timed; `error` says why it failed.
  WriteCall Persist(absl::Span<const PartitionBatch> batches, absl::Status* error);

  const WriterOptions options_;
  const std::vector<v1::Task> templates_;
  std::unique_ptr<TaskStore> store_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> committed_{0};
  // The writer thread's until it is joined, then Stop()'s.
  std::vector<WriteCall> calls_;
  absl::Status error_;
  std::thread thread_;
};

}  // namespace ingest::bench_retention
