#pragma once

// Retention enforcement: what `ingestctl retention enforce` runs, through
// broker-proxy (README.md). Idempotent; safe beside ingest:
//   1. partitions for the coming days are created ahead;
//   2. the day partitions of days before today are dropped, one at a time,
//      each under `lock_timeout` and retried with backoff (ingest waits at
//      most that long behind a drop);
//   3. what partitions do not hold goes in small batches, each its own short
//      transaction: session rows (and their streams, pending chunks,
//      quarantine, and their payloads in the default partitions) of sessions
//      whose day has passed; feedback, backend errors and metrics whose day
//      has passed; and rows stored before retention existed ('infinity'),
//      once older than `legacy_retention_days`;
//   4. a retention_runs row says what went.
// A dry run reports what 2 and 3 would remove and changes nothing. An error
// is returned only when the run could not go on (the database went away);
// a partition that could not be dropped leaves the report `incomplete`.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/common/pg/connection.h"
#include "services/common/retention/day_partitions.h"

namespace ingest {

struct EnforcementOptions {
  bool dry_run = false;
  std::string requested_by;
  // Rows stored before retention existed expire at this age.
  int legacy_retention_days = 30;
  // Partitions are kept this many days ahead of each retention in use.
  int lookahead_days = 7;
  int batch_rows = 1000;
  absl::Duration lock_timeout = absl::Seconds(2);
  int drop_attempts = 6;  // backoff 1 s, 2 s, 4 s, ... between them
  absl::Duration first_backoff = absl::Seconds(1);
  // Each step as it finishes, for a log line or a progress display.
  std::function<void(const std::string&)> progress;
  // The day enforcement counts from; unset: the database's today (UTC).
  std::optional<absl::CivilDay> today;
};

struct EnforcementReport {
  absl::CivilDay today;
  std::vector<DayPartition> partitions;  // dropped (would be, in a dry run)
  int64_t bytes_dropped = 0;
  int64_t sessions_deleted = 0;
  // Rows removed by batches (step 3), by table.
  std::map<std::string, int64_t> rows_by_table;
  int64_t rows_deleted = 0;
  PartitionsEnsured ensured;
  int64_t run_id = 0;  // its retention_runs row; 0 in a dry run or an incomplete run
  // Drop attempts that failed and were tried again (a lock timeout, a
  // deadlock): a drop beside ingest should wait its turn, not fail.
  int drop_retries = 0;
  // Set when a partition could not be dropped (its lock timeout ran out on
  // every attempt): what the run removed is reported all the same, but it
  // is not recorded as a success; the next run finishes it.
  std::string incomplete;
};

absl::StatusOr<EnforcementReport> EnforceRetention(PgConnection& db,
                                                   const EnforcementOptions& options);

}  // namespace ingest
