#include "services/worker/store/batch_day_partitions.h"

#include "absl/strings/str_join.h"
#include "services/common/logging/log.h"
#include "services/common/retention/day_partitions.h"
#include "services/worker/store/record_day.h"

namespace ingest {

absl::Status BatchDayPartitions::EnsureFor(PgConnection& db,
                                           absl::Span<const PartitionBatch> batches,
                                           int default_retention_days) {
  std::set<absl::CivilDay> missing;
  for (const PartitionBatch& batch : batches) {
    for (const TaskRecord& record : batch.records) {
      if (record.dead_letter.has_value()) continue;
      const absl::CivilDay day = RecordDay(record.task, default_retention_days).day();
      if (known_.count(day) == 0) missing.insert(day);
    }
  }
  if (missing.empty()) return absl::OkStatus();

  absl::StatusOr<PartitionsEnsured> ensured = Make(db, missing);
  if (ensured.ok() && ensured->busy) {
    return absl::UnavailableError(
        "another partition maintainer (a worker or the retention job) is making or dropping day "
        "partitions; the batch is retried so its rows find theirs");
  }
  if (!ensured.ok()) {
    log::Warn("worker.batch_day_partitions_failed",
              {{"error", ensured.status().ToString()},
               {"days", static_cast<int64_t>(missing.size())},
               {"action",
                "the batch goes on; rows of these days go to the default partition and expire "
                "with their sessions"}});
    // Not the batch's fault: never a data error that would send its records
    // to the dead-letter topic.
    if (!db.IsHealthy()) return absl::UnavailableError(ensured.status().message());
  } else if (ensured->created > 0) {
    log::Info("worker.day_partitions_created",
              {{"created", ensured->created},
               {"skipped", absl::StrJoin(ensured->skipped, ",")},
               {"for", "a batch's days not made ahead (a new retention, or a backlog)"}});
  }
  // Tried once: a failure is not retried at every batch (the keeper's rounds
  // try the days ahead again).
  known_.insert(missing.begin(), missing.end());
  return absl::OkStatus();
}

absl::StatusOr<PartitionsEnsured> BatchDayPartitions::Make(
    PgConnection& db, const std::set<absl::CivilDay>& missing) {
  absl::StatusOr<absl::CivilDay> today = DatabaseToday(db);
  if (!today.ok()) return today.status();
  known_.erase(known_.begin(), known_.lower_bound(*today));
  // A day already past holds no new session's rows: the session gate refuses them.
  const std::set<absl::CivilDay> coming(missing.lower_bound(*today), missing.end());
  if (coming.empty()) return PartitionsEnsured{};
  return EnsurePartitionsOfDays(db, coming);
}

}  // namespace ingest
