#pragma once

// PartitionKeeper: keeps the day partitions of the coming days in place
// (services/common/retention/day_partitions.h).
//
// A new session's rows go to the partition of its expire_day; one that does
// not exist yet sends them to the default partition, which works but keeps
// them out of the cheap drop. So every worker, at start and then every
// `interval`, creates the partitions of the next `lookahead_days` for each
// retention in use (retention_classes) and the default one. Replicas take
// turns (one finding another at it skips the round). A failure is logged
// and retried at the next round; ingest never waits for it.

#include <memory>

#include "absl/time/time.h"
#include "services/common/threading/periodic_thread.h"
#include "services/worker/store/task_store.h"
#include "services/worker/worker_metrics.h"

namespace ingest {

struct PartitionKeeperOptions {
  absl::Duration interval = absl::Hours(1);
  int lookahead_days = 7;
  int default_retention_days = 30;
};

class PartitionKeeper {
 public:
  // Runs the first round before it returns.
  PartitionKeeper(std::unique_ptr<TaskStore> store, PartitionKeeperOptions options,
                  WorkerMetrics& metrics);

  // One round; what it created and skipped.
  absl::StatusOr<PartitionsEnsured> Round();

 private:
  const std::unique_ptr<TaskStore> store_;
  const PartitionKeeperOptions options_;
  WorkerMetrics& metrics_;
  std::unique_ptr<PeriodicThread> thread_;  // last: stopped (after its round) first
};

}  // namespace ingest
