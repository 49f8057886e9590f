#include "services/common/retention/retention_enforcer.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "services/common/logging/log.h"
#include "services/common/pg/pg_text_array.h"
#include "services/common/pg/transaction.h"
#include "services/common/retention/expire_day.h"
#include "services/common/retention/session_locks.h"
#include "services/common/status/status_macros.h"

namespace ingest {
namespace {

// Rows of a session that are not in a day partition: its own tables, and
// the partitions rows go to when they have no day partition ('_default')
// or were stored before retention ('_legacy').
constexpr const char* kSessionRowTables[] = {"payload_streams",       "stream_chunks",
                                             "quarantined_sessions",  "session_payloads_default",
                                             "payload_facts_default", "session_payloads_legacy",
                                             "payload_facts_legacy",  "sessions"};

// Tables whose rows carry their own expire_day (not their session's rows).
struct DatedTable {
  const char* name;
  const char* legacy_time;  // how old a row stored before retention is
};
constexpr DatedTable kDatedTables[] = {{"session_feedback", "given_at"},
                                       {"backend_errors", "received_at"},
                                       {"metrics", "occurred_at"}};

void Report(const EnforcementOptions& options, const std::string& line) {
  log::Info("retention.step", {{"detail", line}, {"dry_run", options.dry_run}});
  if (options.progress) options.progress(line);
}

int64_t FirstInt(const PgResult& result) { return std::atoll(PQgetvalue(result.get(), 0, 0)); }

// Drops each day's partitions (both tables' at once, so a day never loses
// its facts and keeps its payloads), retrying a lock timeout with backoff.
// report.partitions keeps the dropped ones. Returns the earliest day whose
// partitions are still there (or `today`).
absl::CivilDay DropPartitions(PgConnection& db, const EnforcementOptions& options,
                              EnforcementReport& report, absl::Status* failure) {
  absl::CivilDay kept_from = report.today;
  std::vector<DayPartition> dropped;
  for (size_t first = 0; first < report.partitions.size();) {
    size_t end = first;
    while (end < report.partitions.size() &&
           report.partitions[end].day == report.partitions[first].day) {
      ++end;
    }
    const absl::Span<const DayPartition> day(&report.partitions[first], end - first);
    first = end;
    int64_t bytes = 0;
    for (const DayPartition& partition : day) bytes += partition.bytes;
    if (options.dry_run) {
      report.bytes_dropped += bytes;
      dropped.insert(dropped.end(), day.begin(), day.end());
      continue;
    }
    const std::string day_text = ExpireDay::OnDay(day.front().day).ToString();
    absl::Status status;
    absl::Duration backoff = options.first_backoff;
    for (int attempt = 1; attempt <= options.drop_attempts; ++attempt) {
      status = DropDayPartitions(db, day);
      // A lock timeout, another maintainer's turn, or a deadlock PostgreSQL
      // broke: all pass; try again.
      if (status.code() != absl::StatusCode::kUnavailable &&
          status.code() != absl::StatusCode::kAborted) {
        break;
      }
      ++report.drop_retries;
      log::Warn("retention.drop_retry", {{"day", day_text},
                                         {"attempt", attempt},
                                         {"error", status.ToString()},
                                         {"retry_in", absl::FormatDuration(backoff)}});
      if (attempt < options.drop_attempts) absl::SleepFor(backoff);
      backoff *= 2;
    }
    if (!status.ok()) {
      kept_from = std::min(kept_from, day.front().day);
      if (failure->ok()) {
        *failure = absl::Status(
            status.code(),
            absl::StrCat("could not drop the partitions of ", day_text, " (",
                         absl::StrJoin(day, ", ",
                                       [](std::string* out, const DayPartition& partition) {
                                         out->append(partition.name);
                                       }),
                         "): ", status.message(),
                         "; the next run tries again (look for long transactions on them in "
                         "pg_stat_activity)"));
      }
      continue;
    }
    report.bytes_dropped += bytes;
    dropped.insert(dropped.end(), day.begin(), day.end());
    Report(options, absl::StrCat("dropped the partitions of ", day_text, " (", bytes, " bytes)"));
  }
  report.partitions = std::move(dropped);
  return kept_from;
}

// The sessions whose rows go by batches: their day passed (and its
// partitions are gone), or they were stored before retention and are old.
std::string ExpiredSessionsPredicate() {
  return "(expire_day < $1::date OR (expire_day = 'infinity' AND created_at < $2::timestamptz))";
}

// One batch of expired sessions, every row of them, in one short
// transaction. Returns how many sessions went.
absl::StatusOr<int64_t> DeleteSessionBatch(PgConnection& db, const EnforcementOptions& options,
                                           const std::vector<PgParam>& cutoffs,
                                           EnforcementReport& report) {
  return InTransaction(db, [&]() -> absl::StatusOr<int64_t> {
    ASSIGN_OR_RETURN(PgResult found, db.Query(absl::StrCat("SELECT session_id FROM sessions WHERE ",
                                                           ExpiredSessionsPredicate(), " LIMIT ",
                                                           options.batch_rows),
                                              cutoffs));
    std::vector<std::string> ids;
    for (int row = 0; row < PQntuples(found.get()); ++row) {
      ids.push_back(PQgetvalue(found.get(), row, 0));
    }
    if (ids.empty()) return 0;
    const PgParam id_array = PgParam::Text(ToPgTextArray(ids));
    // A worker writing one of them (a late record) finishes first; it then
    // starts the session anew or drops the record as expired.
    RETURN_IF_ERROR(db.Query(LockSessionsSql(true), {id_array}).status());
    for (const char* table : kSessionRowTables) {
      ASSIGN_OR_RETURN(PgResult deleted,
                       db.Query(absl::StrCat("WITH d AS (DELETE FROM ", table,
                                             " WHERE session_id = ANY($1::text[]) RETURNING 1) "
                                             "SELECT count(*) FROM d"),
                                {id_array}));
      report.rows_by_table[table] += FirstInt(deleted);
      report.rows_deleted += FirstInt(deleted);
    }
    return static_cast<int64_t>(ids.size());
  });
}

absl::Status DeleteExpiredSessions(PgConnection& db, const EnforcementOptions& options,
                                   const std::vector<PgParam>& cutoffs, EnforcementReport& report) {
  if (options.dry_run) {
    ASSIGN_OR_RETURN(PgResult counted, db.Query(absl::StrCat("SELECT count(*) FROM sessions WHERE ",
                                                             ExpiredSessionsPredicate()),
                                                cutoffs));
    report.sessions_deleted = FirstInt(counted);
    for (const char* table : kSessionRowTables) {
      ASSIGN_OR_RETURN(
          PgResult rows,
          db.Query(absl::StrCat("SELECT count(*) FROM ", table,
                                " WHERE session_id IN (SELECT session_id FROM sessions WHERE ",
                                ExpiredSessionsPredicate(), ")"),
                   cutoffs));
      report.rows_by_table[table] += FirstInt(rows);
      report.rows_deleted += FirstInt(rows);
    }
    return absl::OkStatus();
  }
  while (true) {
    ASSIGN_OR_RETURN(int64_t sessions, DeleteSessionBatch(db, options, cutoffs, report));
    if (sessions == 0) return absl::OkStatus();
    report.sessions_deleted += sessions;
  }
}

// Feedback, backend errors and metrics by their own day, in batches.
absl::Status DeleteDatedRows(PgConnection& db, const EnforcementOptions& options,
                             const DatedTable& table, const std::vector<PgParam>& cutoffs,
                             EnforcementReport& report) {
  const std::string predicate =
      absl::StrCat("(expire_day < $1::date OR (expire_day = 'infinity' AND ", table.legacy_time,
                   " < $2::timestamptz))");
  if (options.dry_run) {
    ASSIGN_OR_RETURN(
        PgResult counted,
        db.Query(absl::StrCat("SELECT count(*) FROM ", table.name, " WHERE ", predicate), cutoffs));
    report.rows_by_table[table.name] += FirstInt(counted);
    report.rows_deleted += FirstInt(counted);
    return absl::OkStatus();
  }
  const std::string batch =
      absl::StrCat("WITH d AS (DELETE FROM ", table.name,
                   " WHERE ctid = ANY(ARRAY(SELECT ctid FROM ", table.name, " WHERE ", predicate,
                   " LIMIT ", options.batch_rows, ")) RETURNING 1) SELECT count(*) FROM d");
  while (true) {
    ASSIGN_OR_RETURN(PgResult deleted, db.Query(batch, cutoffs));
    const int64_t rows = FirstInt(deleted);
    if (rows == 0) return absl::OkStatus();
    report.rows_by_table[table.name] += rows;
    report.rows_deleted += rows;
  }
}

absl::StatusOr<int64_t> RecordRun(PgConnection& db, const EnforcementOptions& options,
                                  absl::Time started, const EnforcementReport& report) {
  ASSIGN_OR_RETURN(
      PgResult run,
      db.Query("INSERT INTO retention_runs (requested_by, started_at, expired_before, "
               "partitions_dropped, bytes_dropped, sessions_deleted, rows_deleted) "
               "VALUES ($1, to_timestamp($2::double precision), $3::date, $4::integer, "
               "$5::bigint, $6::bigint, $7::bigint) RETURNING run_id",
               {PgParam::Text(options.requested_by),
                PgParam::Text(absl::StrCat(absl::ToDoubleSeconds(started - absl::UnixEpoch()))),
                PgParam::Text(ExpireDay::OnDay(report.today).ToString()),
                PgParam::Int(static_cast<int64_t>(report.partitions.size())),
                PgParam::Int(report.bytes_dropped), PgParam::Int(report.sessions_deleted),
                PgParam::Int(report.rows_deleted)}));
  return FirstInt(run);
}

absl::StatusOr<EnforcementReport> Enforce(PgConnection& db, const EnforcementOptions& options) {
  const absl::Time started = absl::Now();
  EnforcementReport report;
  if (options.today.has_value()) {
    report.today = *options.today;
  } else {
    ASSIGN_OR_RETURN(report.today, DatabaseToday(db));
  }
  if (!options.dry_run) {
    ASSIGN_OR_RETURN(report.ensured,
                     EnsureDayPartitions(db, report.today, options.lookahead_days, {}));
    Report(options, absl::StrCat("partitions ahead: ", report.ensured.created, " created"));
  }
  ASSIGN_OR_RETURN(report.partitions, DayPartitionsBefore(db, report.today));
  absl::Status failure;
  const absl::CivilDay kept_from = DropPartitions(db, options, report, &failure);
  // Sessions of a day whose partition is still there wait for it: their
  // payloads must go by the drop, never by a bulk delete.
  const std::vector<PgParam> cutoffs = {
      PgParam::Text(ExpireDay::OnDay(kept_from).ToString()),
      PgParam::Text(
          absl::StrCat(ExpireDay::OnDay(report.today - options.legacy_retention_days).ToString(),
                       " 00:00:00+00"))};
  RETURN_IF_ERROR(DeleteExpiredSessions(db, options, cutoffs, report));
  Report(options, absl::StrCat("expired sessions: ", report.sessions_deleted));
  for (const DatedTable& table : kDatedTables) {
    RETURN_IF_ERROR(DeleteDatedRows(db, options, table, cutoffs, report));
  }
  Report(options, absl::StrCat("rows deleted in batches: ", report.rows_deleted));
  if (!failure.ok()) {
    report.incomplete = std::string(failure.message());
    return report;
  }
  if (!options.dry_run) {
    ASSIGN_OR_RETURN(report.run_id, RecordRun(db, options, started, report));
  }
  return report;
}

}  // namespace

absl::StatusOr<EnforcementReport> EnforceRetention(PgConnection& db,
                                                   const EnforcementOptions& options) {
  if (options.legacy_retention_days < 1 || options.batch_rows < 1 || options.drop_attempts < 1) {
    return absl::InvalidArgumentError(
        "retention enforcement needs legacy_retention_days, batch_rows and drop_attempts >= 1");
  }
  if (!options.dry_run && options.requested_by.empty()) {
    return absl::InvalidArgumentError("retention enforcement must say who requested it");
  }
  return WithLockTimeout(db, options.lock_timeout, [&] { return Enforce(db, options); });
}

}  // namespace ingest
