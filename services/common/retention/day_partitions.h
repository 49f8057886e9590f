#pragma once

// The day partitions of the tables that grow with every payload
// (session_payloads, payload_facts), partitioned by expire_day
// (schema_v9.sql, README.md).
//
// A day's partition is created ahead as a plain table and then attached
// (SHARE UPDATE EXCLUSIVE on the parent: ingest's inserts go on), and
// dropped when its day has passed (ACCESS EXCLUSIVE on the parent, for as
// long as a catalog update takes; the caller's lock_timeout bounds how long
// ingest may wait behind it). Maintainers (every worker replica, the
// retention job) take turns through an advisory lock: one that finds it
// taken skips its round.

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/types/span.h"
#include "services/common/pg/connection.h"

namespace ingest {

// The tables partitioned by expire_day.
inline constexpr const char* kDayPartitionedTables[] = {"session_payloads", "payload_facts"};

// The advisory lock (pg_locks' objid) a maintainer holds for its turn: an
// arbitrary constant.
inline constexpr int64_t kPartitionMaintenanceLockKey = 0x5e550da7;

// "session_payloads_p20261207".
std::string DayPartitionName(absl::string_view table, absl::CivilDay day);

struct DayPartition {
  std::string table;  // the partitioned parent
  std::string name;
  absl::CivilDay day;
  int64_t bytes = 0;  // on disk, indexes and TOAST included
};

struct PartitionsEnsured {
  int created = 0;
  // Days left to the default partition because it holds rows of them
  // already (attaching would fail); those rows expire with their sessions.
  std::vector<std::string> skipped;
  bool busy = false;  // another maintainer held the lock: nothing was tried
};

// Today in UTC by the database's clock (the one retention counts by).
absl::StatusOr<absl::CivilDay> DatabaseToday(PgConnection& db);

// Creates the partitions for days today + r ... today + r + lookahead_days
// of every retention r in retention_classes and in `more_retention_days`.
absl::StatusOr<PartitionsEnsured> EnsureDayPartitions(PgConnection& db, absl::CivilDay today,
                                                      int lookahead_days,
                                                      absl::Span<const int> more_retention_days);

// Creates the partitions of `days` that do not exist yet.
absl::StatusOr<PartitionsEnsured> EnsurePartitionsOfDays(PgConnection& db,
                                                         const std::set<absl::CivilDay>& days);

// The day partitions whose day is before `before`, oldest first.
absl::StatusOr<std::vector<DayPartition>> DayPartitionsBefore(PgConnection& db,
                                                              absl::CivilDay before);

// Drops `partitions` (a day's, of both tables) in one statement: all or
// none. kUnavailable when the lock timeout ran out, or another maintainer
// holds the turn: try again later.
absl::Status DropDayPartitions(PgConnection& db, absl::Span<const DayPartition> partitions);

}  // namespace ingest
