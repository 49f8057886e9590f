#include "services/common/retention/day_partitions.h"

#include <algorithm>
#include <cstdlib>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/common/logging/log.h"
#include "services/common/pg/pg_text_array.h"
#include "services/common/pg/transaction.h"
#include "services/common/retention/expire_day.h"
#include "services/common/status/status_macros.h"

namespace ingest {
namespace {

// A day partition's name ends in _pYYYYMMDD.
constexpr absl::string_view kDayMarker = "_p";

std::vector<std::string> Tables() {
  return std::vector<std::string>(std::begin(kDayPartitionedTables),
                                  std::end(kDayPartitionedTables));
}

absl::StatusOr<std::set<std::string>> ExistingPartitions(PgConnection& db) {
  ASSIGN_OR_RETURN(PgResult result, db.Query("SELECT c.relname FROM pg_inherits i "
                                             "JOIN pg_class c ON c.oid = i.inhrelid "
                                             "JOIN pg_class p ON p.oid = i.inhparent "
                                             "WHERE p.relname = ANY($1::text[]) "
                                             "AND p.relnamespace = current_schema()::regnamespace",
                                             {PgParam::Text(ToPgTextArray(Tables()))}));
  std::set<std::string> names;
  for (int row = 0; row < PQntuples(result.get()); ++row) {
    names.insert(PQgetvalue(result.get(), row, 0));
  }
  return names;
}

absl::StatusOr<std::set<int>> RetentionClasses(PgConnection& db) {
  ASSIGN_OR_RETURN(PgResult result, db.Query("SELECT retention_days FROM retention_classes", {}));
  std::set<int> classes;
  for (int row = 0; row < PQntuples(result.get()); ++row) {
    classes.insert(std::atoi(PQgetvalue(result.get(), row, 0)));
  }
  return classes;
}

// In the caller's transaction: true when this maintainer has the turn.
absl::StatusOr<bool> TakeTurn(PgConnection& db) {
  ASSIGN_OR_RETURN(PgResult result, db.Query(absl::StrCat("SELECT pg_try_advisory_xact_lock(",
                                                          kPartitionMaintenanceLockKey, ")"),
                                             {}));
  return PQgetvalue(result.get(), 0, 0)[0] == 't';
}

// Runs `statements` in one transaction holding the turn. kUnavailable when
// another maintainer has it.
absl::Status InTurn(PgConnection& db, const std::string& statements) {
  return InTransaction(db, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(bool turn, TakeTurn(db));
    if (!turn) {
      return absl::UnavailableError(
          "another partition maintainer (a worker or the retention job) is busy; try again");
    }
    return db.Exec(statements);
  });
}

// Whether `name` is a day partition of `table`, and its day.
bool ParseDayPartition(absl::string_view table, absl::string_view name, absl::CivilDay* day) {
  const std::string prefix = absl::StrCat(table, kDayMarker);
  if (!absl::StartsWith(name, prefix)) return false;
  absl::string_view digits = name.substr(prefix.size());
  int value = 0;
  if (digits.size() != 8 || !absl::SimpleAtoi(digits, &value)) return false;
  const int month = value / 100 % 100;
  const int day_of_month = value % 100;
  *day = absl::CivilDay(value / 10000, month, day_of_month);
  // CivilDay normalizes (Feb 30 is Mar 2): not a name this file wrote.
  return day->month() == month && day->day() == day_of_month;
}

}  // namespace

std::string DayPartitionName(absl::string_view table, absl::CivilDay day) {
  return absl::StrFormat("%s%s%04d%02d%02d", table, kDayMarker, day.year(), day.month(), day.day());
}

absl::StatusOr<absl::CivilDay> DatabaseToday(PgConnection& db) {
  ASSIGN_OR_RETURN(PgResult result,
                   db.Query("SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD')", {}));
  ASSIGN_OR_RETURN(ExpireDay today, ExpireDay::Parse(PQgetvalue(result.get(), 0, 0)));
  return today.day();
}

absl::StatusOr<PartitionsEnsured> EnsureDayPartitions(PgConnection& db, absl::CivilDay today,
                                                      int lookahead_days,
                                                      absl::Span<const int> more_retention_days) {
  ASSIGN_OR_RETURN(std::set<int> classes, RetentionClasses(db));
  classes.insert(more_retention_days.begin(), more_retention_days.end());
  std::set<absl::CivilDay> days;
  for (int retention : classes) {
    for (int ahead = 0; ahead <= lookahead_days; ++ahead) days.insert(today + retention + ahead);
  }
  return EnsurePartitionsOfDays(db, days);
}

absl::StatusOr<PartitionsEnsured> EnsurePartitionsOfDays(PgConnection& db,
                                                         const std::set<absl::CivilDay>& days) {
  ASSIGN_OR_RETURN(std::set<std::string> existing, ExistingPartitions(db));
  PartitionsEnsured ensured;
  for (absl::CivilDay day : days) {
    for (const char* table : kDayPartitionedTables) {
      const std::string name = DayPartitionName(table, day);
      if (existing.count(name) > 0) continue;
      // A new plain table, then attached: no lock ingest's inserts wait on
      // (CREATE TABLE ... PARTITION OF would take the parent exclusively).
      absl::Status status =
          InTurn(db, absl::StrCat("CREATE TABLE ", name, " (LIKE ", table,
                                  " INCLUDING DEFAULTS INCLUDING STORAGE); ALTER TABLE ", table,
                                  " ATTACH PARTITION ", name, " FOR VALUES FROM ('",
                                  ExpireDay::OnDay(day).ToString(), "') TO ('",
                                  ExpireDay::OnDay(day + 1).ToString(), "')"));
      if (status.code() == absl::StatusCode::kUnavailable &&
          absl::StrContains(status.message(), "another partition maintainer")) {
        ensured.busy = true;
        return ensured;
      }
      // 23514: the default partition holds rows of this day already.
      if (absl::StrContains(status.message(), "SQLSTATE 23514")) {
        log::Warn("retention.partition_skipped",
                  {{"partition", name},
                   {"detail",
                    "the default partition holds rows of this day (partitions were not created "
                    "ahead in time); they expire with their sessions"}});
        ensured.skipped.push_back(name);
        continue;
      }
      RETURN_IF_ERROR(status);
      ++ensured.created;
    }
  }
  return ensured;
}

absl::StatusOr<std::vector<DayPartition>> DayPartitionsBefore(PgConnection& db,
                                                              absl::CivilDay before) {
  ASSIGN_OR_RETURN(PgResult result,
                   db.Query("SELECT p.relname, c.relname, pg_total_relation_size(c.oid) "
                            "FROM pg_inherits i "
                            "JOIN pg_class c ON c.oid = i.inhrelid "
                            "JOIN pg_class p ON p.oid = i.inhparent "
                            "WHERE p.relname = ANY($1::text[]) "
                            "AND p.relnamespace = current_schema()::regnamespace "
                            "ORDER BY c.relname",
                            {PgParam::Text(ToPgTextArray(Tables()))}));
  std::vector<DayPartition> partitions;
  for (int row = 0; row < PQntuples(result.get()); ++row) {
    DayPartition partition;
    partition.table = PQgetvalue(result.get(), row, 0);
    partition.name = PQgetvalue(result.get(), row, 1);
    if (!ParseDayPartition(partition.table, partition.name, &partition.day)) continue;
    if (partition.day >= before) continue;
    partition.bytes = std::atoll(PQgetvalue(result.get(), row, 2));
    partitions.push_back(std::move(partition));
  }
  std::stable_sort(partitions.begin(), partitions.end(),
                   [](const DayPartition& a, const DayPartition& b) { return a.day < b.day; });
  return partitions;
}

absl::Status DropDayPartitions(PgConnection& db, absl::Span<const DayPartition> partitions) {
  // The parents' locks first, in the order the worker's transactions take
  // them (payloads, then facts): taken in the other order, a drop holding
  // payload_facts and waiting for session_payloads deadlocks with a worker
  // holding session_payloads and inserting facts (the retention bench saw it).
  std::vector<std::string> parents;
  std::vector<std::string> names;
  for (const char* table : kDayPartitionedTables) {
    bool any = false;
    for (const DayPartition& partition : partitions) {
      if (partition.table != table) continue;
      names.push_back(partition.name);
      any = true;
    }
    if (any) parents.push_back(table);
  }
  if (names.empty()) return absl::OkStatus();
  return InTurn(db,
                absl::StrCat("LOCK TABLE ", absl::StrJoin(parents, ", "),
                             " IN ACCESS EXCLUSIVE MODE; DROP TABLE ", absl::StrJoin(names, ", ")));
}

}  // namespace ingest
