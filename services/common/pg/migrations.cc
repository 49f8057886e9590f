#include "services/common/pg/migrations.h"

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/logging/log.h"
#include "services/common/pg/schema_sql.h"
#include "services/common/pg/schema_v9_prepare.h"
#include "services/common/status/status_macros.h"

namespace ingest {
namespace {

// Arbitrary constant naming this project's migration lock.
constexpr int64_t kMigrationLockKey = 0x5e551011;

struct Migration {
  int version;
  // Runs in one transaction with the version's row.
  const char* sql;
  // Runs first, outside any transaction (statements that read a whole table
  // without blocking writers, such as CREATE INDEX CONCURRENTLY); must be
  // idempotent, since a failure after it reruns it.
  absl::Status (*prepare)(PgConnection&) = nullptr;
};

const std::vector<Migration>& Migrations() {
  static const auto* migrations = new std::vector<Migration>{
      {1, kSchemaV1Sql}, {2, kSchemaV2Sql}, {3, kSchemaV3Sql},
      {4, kSchemaV4Sql}, {5, kSchemaV5Sql}, {6, kSchemaV6Sql},
      {7, kSchemaV7Sql}, {8, kSchemaV8Sql}, {9, kSchemaV9Sql, &PrepareSchemaV9}};
  return *migrations;
}

// Waits for the migration lock by polling: a replica parked inside
// pg_advisory_lock() holds a snapshot, which a CREATE INDEX CONCURRENTLY of
// the lock holder would wait for (a deadlock PostgreSQL then breaks by
// failing one of them).
absl::Status AcquireMigrationLock(PgConnection& connection) {
  absl::Duration pause = absl::Milliseconds(20);
  bool logged = false;
  while (true) {
    ASSIGN_OR_RETURN(
        auto result,
        connection.Query(absl::StrCat("SELECT pg_try_advisory_lock(", kMigrationLockKey, ")"), {}));
    if (PQgetvalue(result.get(), 0, 0)[0] == 't') return absl::OkStatus();
    if (!logged) {
      log::Info("pg.migration_lock_wait", {{"detail", "another replica is migrating; waiting"}});
      logged = true;
    }
    absl::SleepFor(pause);
    pause = std::min(pause * 2, absl::Milliseconds(500));
  }
}

absl::StatusOr<int> CurrentVersion(PgConnection& connection) {
  ASSIGN_OR_RETURN(auto result,
                   connection.Query("SELECT coalesce(max(version), 0) FROM schema_migrations", {}));
  return std::atoi(PQgetvalue(result.get(), 0, 0));
}

absl::Status ApplyLocked(PgConnection& connection, int through_version,
                         std::vector<int>& applied_versions) {
  absl::Status status = connection.Exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
  if (!status.ok()) return status;
  ASSIGN_OR_RETURN(auto current, CurrentVersion(connection));
  for (const Migration& migration : Migrations()) {
    if (migration.version <= current) continue;
    if (migration.version > through_version) break;
    log::Info("pg.migration_start", {{"version", migration.version}});
    if (migration.prepare != nullptr) {
      status = migration.prepare(connection);
      if (!status.ok()) {
        return absl::Status(status.code(), absl::StrCat("migration ", migration.version,
                                                        " (preparing) failed: ", status.message()));
      }
    }
    status = connection.Exec(absl::StrCat(
        "BEGIN;\n", migration.sql, "\nINSERT INTO schema_migrations (version) VALUES (", migration.version,
        "); COMMIT;"));
    if (!status.ok()) {
      (void)connection.Exec("ROLLBACK");
      return absl::Status(status.code(), absl::StrCat("migration ", migration.version, " failed: ",
                                                      status.message()));
    }
    applied_versions.push_back(migration.version);
    log::Info("pg.migration_done", {{"version", migration.version}});
  }
  return absl::OkStatus();
}

absl::Status ApplyThrough(PgConnection& connection, int through_version,
                          absl::Duration lock_timeout, std::vector<int>& applied) {
  applied.clear();
  absl::Status status = AcquireMigrationLock(connection);
  if (!status.ok()) return status;
  // Every statement from here on gives up on a lock after `lock_timeout`
  // rather than queueing behind a long-held table lock.
  status = connection.Exec(
      absl::StrCat("SET lock_timeout = '", absl::ToInt64Milliseconds(lock_timeout), "ms'"));
  if (status.ok()) status = ApplyLocked(connection, through_version, applied);
  (void)connection.Exec("RESET lock_timeout");
  absl::Status unlock =
      connection.Exec(absl::StrCat("SELECT pg_advisory_unlock(", kMigrationLockKey, ")"));
  return status.ok() ? unlock : status;
}

}  // namespace

int LatestSchemaVersion() { return Migrations().back().version; }

absl::Status ApplyMigrations(PgConnection& connection, absl::Duration lock_timeout,
                             std::vector<int>* applied_versions) {
  std::vector<int> ignored;
  std::vector<int>& applied = applied_versions != nullptr ? *applied_versions : ignored;
  return ApplyThrough(connection, LatestSchemaVersion(), lock_timeout, applied);
}

absl::Status ApplyMigrationsThrough(PgConnection& connection, int version,
                                    absl::Duration lock_timeout) {
  std::vector<int> applied;
  return ApplyThrough(connection, version, lock_timeout, applied);
}

}  // namespace ingest
