#include "services/worker/stream_chunk_janitor.h"

#include <utility>

#include "services/common/logging/log.h"
#include "services/common/status/status_macros.h"

namespace ingest {

StreamChunkJanitor::StreamChunkJanitor(std::unique_ptr<TaskStore> store,
                                       StreamChunkJanitorOptions options, WorkerMetrics& metrics)
    : store_(std::move(store)), options_(options), metrics_(metrics) {
  thread_ = std::thread([this] { Loop(); });
}

StreamChunkJanitor::~StreamChunkJanitor() {
  stop_.Notify();
  thread_.join();
}

absl::StatusOr<int64_t> StreamChunkJanitor::Sweep() {
  int64_t removed = 0;
  while (!stop_.HasBeenNotified()) {
    ASSIGN_OR_RETURN(int64_t batch, store_->ExpireStreamChunks(options_.ttl, options_.batch_rows));
    removed += batch;
    metrics_.StreamChunksExpired(batch);
    if (batch < options_.batch_rows) break;
  }
  return removed;
}

void StreamChunkJanitor::Loop() {
  while (!stop_.WaitForNotificationWithTimeout(options_.interval)) {
    absl::StatusOr<int64_t> removed = Sweep();
    if (!removed.ok()) {
      log::Warn("worker.stream_chunk_sweep_failed",
                {{"error", removed.status().ToString()},
                 {"action", "retrying at the next sweep"},
                 {"next_in_s", absl::ToInt64Seconds(options_.interval)}});
    } else if (*removed > 0) {
      log::Info("worker.stream_chunks_expired",
                {{"rows", *removed}, {"ttl_s", absl::ToInt64Seconds(options_.ttl)}});
    }
  }
}

}  // namespace ingest
