#pragma once

// StreamChunkJanitor: removes the chunks of streams that never completed.
//
// A stream's chunks wait in stream_chunks until its last chunk completes it
// (store/stream_completion.h). A stream the gateway refused or the client
// abandoned never gets one, so its chunks would stay forever. Every
// `interval` a background thread removes the rows written more than `ttl`
// ago, `batch_rows` at a time (short transactions that skip rows others
// hold, so ingest never waits on it), and counts them in
// ingest_worker_stream_chunks_expired_total. Every worker runs one; two
// sweeping at once only share the work.

#include <memory>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "services/worker/store/task_store.h"
#include "services/worker/worker_metrics.h"

namespace ingest {

struct StreamChunkJanitorOptions {
  absl::Duration ttl = absl::Hours(24);
  absl::Duration interval = absl::Minutes(10);
  int batch_rows = 1000;
};

class StreamChunkJanitor {
 public:
  StreamChunkJanitor(std::unique_ptr<TaskStore> store, StreamChunkJanitorOptions options,
                     WorkerMetrics& metrics);
  ~StreamChunkJanitor();  // stops after the current batch

  // One sweep: removes every expired row, a batch at a time; returns how many.
  absl::StatusOr<int64_t> Sweep();

 private:
  void Loop();

  const std::unique_ptr<TaskStore> store_;
  const StreamChunkJanitorOptions options_;
  WorkerMetrics& metrics_;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace ingest
