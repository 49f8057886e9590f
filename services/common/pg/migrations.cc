#include "services/common/pg/migrations.h"

#include <cstdlib>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/logging/log.h"
#include "services/common/pg/schema_sql.h"
#include "services/common/status/status_macros.h"

namespace ingest {
namespace {

// Arbitrary constant naming this project's migration lock.
constexpr int64_t kMigrationLockKey = 0x5e551011;

struct Migration {
  int version;
  const char* sql;
};

const std::vector<Migration>& Migrations() {
  static const auto* migrations = new std::vector<Migration>{
      {1, kSchemaV1Sql}, {2, kSchemaV2Sql}, {3, kSchemaV3Sql}, {4, kSchemaV4Sql},
      {5, kSchemaV5Sql}, {6, kSchemaV6Sql}, {7, kSchemaV7Sql}, {8, kSchemaV8Sql}};
  return *migrations;
}

absl::StatusOr<int> CurrentVersion(PgConnection& connection) {
  ASSIGN_OR_RETURN(auto result,
                   connection.Query("SELECT coalesce(max(version), 0) FROM schema_migrations", {}));
  return std::atoi(PQgetvalue(result.get(), 0, 0));
}

absl::Status ApplyLocked(PgConnection& connection, std::vector<int>& applied_versions) {
  absl::Status status = connection.Exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
  if (!status.ok()) return status;
  ASSIGN_OR_RETURN(auto current, CurrentVersion(connection));
  for (const Migration& migration : Migrations()) {
    if (migration.version <= current) continue;
    log::Info("pg.migration_start", {{"version", migration.version}});
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

}  // namespace

int LatestSchemaVersion() { return Migrations().back().version; }

absl::Status ApplyMigrations(PgConnection& connection, absl::Duration lock_timeout,
                             std::vector<int>* applied_versions) {
  std::vector<int> ignored;
  std::vector<int>& applied = applied_versions != nullptr ? *applied_versions : ignored;
  applied.clear();
  absl::Status status =
      connection.Exec(absl::StrCat("SELECT pg_advisory_lock(", kMigrationLockKey, ")"));
  if (!status.ok()) return status;
  // Every statement from here on gives up on a lock after `lock_timeout`
  // rather than queueing behind a long-held table lock.
  status = connection.Exec(
      absl::StrCat("SET lock_timeout = '", absl::ToInt64Milliseconds(lock_timeout), "ms'"));
  if (status.ok()) status = ApplyLocked(connection, applied);
  (void)connection.Exec("RESET lock_timeout");
  absl::Status unlock =
      connection.Exec(absl::StrCat("SELECT pg_advisory_unlock(", kMigrationLockKey, ")"));
  return status.ok() ? unlock : status;
}

}  // namespace ingest
