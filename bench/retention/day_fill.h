#pragma once

// A day of expired data, made the fast way: server-side INSERT ... SELECT
// over generate_series (no payload bytes cross the connection but a small
// pool of random blocks, once). The rows are what the worker writes for a
// session with that expire_day: its sessions row (completed), its
// session_payloads rows (chunk 0 of 1, data incompressible, stored raw:
// as SDK-compressed content is, and the column is STORAGE EXTERNAL, so
// PostgreSQL does not compress it either) and their payload_facts rows, in
// the day's own partitions, created first by EnsureDayPartitions with a
// `today` in the past. Autovacuum is off on those partitions: a day that
// expires was vacuumed long ago, and a vacuum of the fresh fill would
// compete with what is measured.

#include <atomic>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "bench/retention/options.h"
#include "services/common/pg/connection.h"

namespace ingest::bench_retention {

// Random blocks of `payload_bytes` every payload row's data is made of
// (each row's first 8 bytes are its own number, so no two rows are equal):
// a temporary table of the connection, created once per connection.
absl::Status CreateBlocks(PgConnection& db, int64_t payload_bytes, int count, uint64_t seed);

struct FilledDay {
  absl::CivilDay day;
  FillPlan plan;
  absl::Duration elapsed;  // creating the partitions and filling them
  // pg_total_relation_size of the day's partitions once filled (TOAST and
  // keys included).
  int64_t table_bytes = 0;
};

// Creates the day partitions of `day` (it must have none yet) and fills
// them, and the sessions table, as `plan` says; session ids are
// `session_prefix` and a number. Adds each chunk's payload bytes to
// `bytes_done` as it commits (a progress line reads it). Needs CreateBlocks
// on `db` first.
absl::StatusOr<FilledDay> FillExpiredDay(PgConnection& db, absl::CivilDay day, const FillPlan& plan,
                                         const std::string& project_id,
                                         const std::string& session_prefix,
                                         std::atomic<int64_t>& bytes_done);

// After a fill: CHECKPOINT, so the dirty pages of the fill are written
// before anything is timed, and VACUUM ANALYZE of sessions, as autovacuum
// would have left it by the day the data expires. A CHECKPOINT refused
// (not a superuser) is a warning, not an error.
absl::Status Settle(PgConnection& db);

}  // namespace ingest::bench_retention
