#include "services/worker/partition_keeper.h"

#include <utility>

#include "absl/strings/str_join.h"
#include "services/common/logging/log.h"

namespace ingest {

PartitionKeeper::PartitionKeeper(std::unique_ptr<TaskStore> store, PartitionKeeperOptions options,
                                 WorkerMetrics& metrics)
    : store_(std::move(store)), options_(options), metrics_(metrics) {
  (void)Round();  // before the worker consumes: new sessions find their partitions
  thread_ = std::make_unique<PeriodicThread>(options_.interval, [this] { (void)Round(); });
}

absl::StatusOr<PartitionsEnsured> PartitionKeeper::Round() {
  absl::StatusOr<PartitionsEnsured> ensured =
      store_->EnsureDayPartitions(options_.lookahead_days, options_.default_retention_days);
  if (!ensured.ok()) {
    log::Warn("worker.day_partitions_failed",
              {{"error", ensured.status().ToString()},
               {"action",
                "rows of days without a partition go to the default partition; "
                "retrying at the next round"},
               {"next_in_s", absl::ToInt64Seconds(options_.interval)}});
    return ensured;
  }
  if (ensured->busy) return ensured;  // another replica's round
  metrics_.DayPartitionsEnsured(ensured->created, static_cast<int>(ensured->skipped.size()));
  if (ensured->created > 0 || !ensured->skipped.empty()) {
    log::Info("worker.day_partitions_created", {{"created", ensured->created},
                                                {"skipped", absl::StrJoin(ensured->skipped, ",")},
                                                {"lookahead_days", options_.lookahead_days}});
  }
  return ensured;
}

}  // namespace ingest
