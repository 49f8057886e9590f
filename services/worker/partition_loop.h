#pragma once

// PartitionLoop: consume -> batch per partition -> one transaction per batch
// (rows + next offset) -> Kafka commit for monitoring.
//
// Guarantees:
//  - each partition's records are persisted strictly in offset order;
//  - a batch is kept until its transaction commits; on a database error the
//    partition is paused and the same batch retried with capped exponential
//    backoff, never skipped; other partitions keep flowing;
//  - on assignment each partition resumes at the offset stored in the
//    database; on revocation its batch is persisted or abandoned (never
//    half-written) before the partition is released.
//
// Threads: everything runs on the thread that calls Run(); the consumer
// calls the RebalanceListener methods from inside Poll() on that thread.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/common/kafka/consumer.h"
#include "services/worker/store/task_store.h"
#include "services/worker/worker_metrics.h"

namespace ingest {

struct PartitionLoopOptions {
  std::string topic = "ingest.tasks";
  // A partition's batch is written when it reaches either size or when its
  // oldest record has waited `max_batch_delay`.
  int max_batch_records = 500;
  int64_t max_batch_bytes = 32 << 20;
  absl::Duration max_batch_delay = absl::Milliseconds(50);
  absl::Duration poll_timeout = absl::Milliseconds(100);
  // Records taken from the consumer per step before due batches are checked.
  int max_records_per_step = 2000;
  // Retry backoff after a failed write: doubles from initial up to max.
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(10);
  // How long Run() keeps trying to persist held batches after stop.
  absl::Duration drain_timeout = absl::Seconds(20);
  // Injected for tests.
  std::function<absl::Time()> now = [] { return absl::Now(); };
  std::function<void(absl::Duration)> sleep = [](absl::Duration d) { absl::SleepFor(d); };
};

class PartitionLoop final : public RebalanceListener {
 public:
  // `consumer`, `store` and `metrics` must outlive the loop.
  PartitionLoop(PartitionLoopOptions options, Consumer& consumer, TaskStore& store,
                WorkerMetrics& metrics);

  // Polls and persists until `stop` is notified, then persists what it holds
  // (within drain_timeout). The caller closes the consumer afterwards.
  void Run(const absl::Notification& stop);

  // One poll-and-flush step (exposed for tests).
  void RunOnce();

  // Tries to persist every held batch until done or `timeout` passes.
  // Returns true when nothing is left unpersisted.
  bool Drain(absl::Duration timeout);

  PartitionOffsets OnPartitionsAssigned(const std::vector<int32_t>& partitions) override;
  void OnPartitionsRevoked(const std::vector<int32_t>& partitions) override;

  // Number of partitions currently owned.
  int assigned_partitions() const { return static_cast<int>(partitions_.size()); }

 private:
  struct PartitionState {
    // The offset after the last record taken from Kafka (-1: none yet and
    // nothing stored: the partition starts at its earliest record).
    int64_t next_offset = -1;
    // The offset the database holds: everything before it is persisted.
    int64_t persisted_offset = -1;
    std::vector<TaskRecord> batch;
    int64_t batch_bytes = 0;
    absl::Time batch_started = absl::InfinitePast();
    int failed_attempts = 0;
    absl::Time retry_at = absl::InfinitePast();
    bool paused = false;

    bool HasUnpersisted() const { return next_offset > persisted_offset; }
  };

  void Handle(ConsumedRecord record);
  bool IsDue(const PartitionState& state, absl::Time now) const;
  // Writes the partition's batch; returns true on success.
  bool Flush(int32_t partition, PartitionState& state);
  void FlushDuePartitions();

  const PartitionLoopOptions options_;
  Consumer& consumer_;
  TaskStore& store_;
  WorkerMetrics& metrics_;
  const absl::Notification* stop_ = nullptr;
  std::map<int32_t, PartitionState> partitions_;
};

}  // namespace ingest
