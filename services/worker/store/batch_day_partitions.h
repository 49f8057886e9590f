#pragma once

// The day partitions a batch's rows go to, made before its transaction when
// this process has not seen them made. The partition keeper
// (partition_keeper.h) makes the days ahead of every retention in
// retention_classes, but a retention is noted there by the first transaction
// that writes one of its sessions, and a backlog's sessions have days behind
// the keeper's window: without this, such rows land in the default partition,
// their day can then never be attached, and they expire by DELETE instead of
// by a dropped partition (issue 21).
//
// Costs nothing once a day is known: a batch's days are looked up in memory.

#include <set>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/types/span.h"
#include "services/common/pg/connection.h"
#include "services/common/retention/day_partitions.h"
#include "services/worker/store/task_store.h"

namespace ingest {

class BatchDayPartitions {
 public:
  // Makes the partitions of the days the batches' records would carry if
  // each began its session (record_day.h) that are not known yet, outside any
  // transaction, waiting for locks no longer than the connection's
  // lock_timeout. kUnavailable when another maintainer has its turn (the
  // batch is retried, and finds its partitions). Any other failure is logged
  // and returned only when the connection broke; otherwise the batch goes on
  // and those days' rows go to the default partition (a missing partition
  // never stops ingest).
  absl::Status EnsureFor(PgConnection& db, absl::Span<const PartitionBatch> batches,
                         int default_retention_days);

 private:
  // Makes the partitions of the days of `missing` from today on, and forgets
  // known days that have passed.
  absl::StatusOr<PartitionsEnsured> Make(PgConnection& db, const std::set<absl::CivilDay>& missing);

  // Days whose partitions exist (or were found impossible to make): today's
  // and later ones, pruned as days pass.
  std::set<absl::CivilDay> known_;
};

}  // namespace ingest
