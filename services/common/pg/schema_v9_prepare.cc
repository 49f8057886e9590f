#include "services/common/pg/schema_v9_prepare.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "services/common/logging/log.h"
#include "services/common/pg/transaction.h"
#include "services/common/status/status_macros.h"

namespace ingest {
namespace {

// Tables whose rows expire with a day: existing rows get 'infinity' (they
// expire by their age instead, retention/README.md).
constexpr const char* kTablesWithExpiry[] = {"sessions",       "session_payloads",
                                             "payload_facts",  "session_feedback",
                                             "backend_errors", "metrics"};

// The tables that become partitioned: every existing row must be provably in
// the 'infinity' partition, so attaching it scans nothing.
constexpr const char* kTablesToPartition[] = {"session_payloads", "payload_facts"};

struct IndexSpec {
  const char* name;
  const char* definition;  // after CREATE [UNIQUE] INDEX CONCURRENTLY <name>
  bool unique;
};

constexpr IndexSpec kIndexes[] = {
    // The partitioned tables' keys, built on the tables that become their
    // _legacy partitions.
    {"session_payloads_legacy_key",
     "ON session_payloads (session_id, payload_id, chunk_index, expire_day)", true},
    {"payload_facts_legacy_key", "ON payload_facts (session_id, payload_id, expire_day)", true},
    // Retention finds expired rows by day; erasure finds a user's sessions
    // and every row of a session.
    {"sessions_expire_day", "ON sessions (expire_day)", false},
    {"sessions_project_user",
     "ON sessions (project_id, user_identifier) WHERE user_identifier IS NOT NULL", false},
    {"session_feedback_expire_day", "ON session_feedback (expire_day)", false},
    {"backend_errors_expire_day", "ON backend_errors (expire_day)", false},
    {"metrics_expire_day", "ON metrics (expire_day)", false},
    {"metrics_session", "ON metrics (session_id) WHERE session_id IS NOT NULL", false},
    // Rows stored before retention expire by their age instead of a day.
    {"sessions_legacy_created", "ON sessions (created_at) WHERE expire_day = 'infinity'", false},
    {"session_feedback_legacy_given",
     "ON session_feedback (given_at) WHERE expire_day = 'infinity'", false},
    {"backend_errors_legacy_received",
     "ON backend_errors (received_at) WHERE expire_day = 'infinity'", false},
    {"metrics_legacy_occurred", "ON metrics (occurred_at) WHERE expire_day = 'infinity'", false},
};

// "valid", "invalid" or "" (no such index).
absl::StatusOr<std::string> IndexState(PgConnection& db, const char* name) {
  ASSIGN_OR_RETURN(
      PgResult result,
      db.Query("SELECT i.indisvalid FROM pg_class c "
               "JOIN pg_index i ON i.indexrelid = c.oid "
               "WHERE c.relname = $1 AND c.relnamespace = current_schema()::regnamespace",
               {PgParam::Text(name)}));
  if (PQntuples(result.get()) == 0) return std::string();
  return std::string(PQgetvalue(result.get(), 0, 0)[0] == 't' ? "valid" : "invalid");
}

absl::Status EnsureIndexConcurrently(PgConnection& db, const IndexSpec& index) {
  ASSIGN_OR_RETURN(std::string state, IndexState(db, index.name));
  if (state == "valid") return absl::OkStatus();
  if (state == "invalid") {
    log::Warn("pg.migration_index_rebuilt",
              {{"index", index.name}, {"detail", "an earlier concurrent build failed"}});
    RETURN_IF_ERROR(db.Exec(absl::StrCat("DROP INDEX CONCURRENTLY ", index.name)));
  }
  log::Info("pg.migration_index_build", {{"index", index.name}});
  return db.Exec(absl::StrCat("CREATE ", index.unique ? "UNIQUE " : "", "INDEX CONCURRENTLY ",
                              index.name, " ", index.definition));
}

absl::StatusOr<bool> ConstraintExists(PgConnection& db, const std::string& name) {
  ASSIGN_OR_RETURN(PgResult result, db.Query("SELECT 1 FROM pg_constraint WHERE conname = $1 "
                                             "AND connamespace = current_schema()::regnamespace",
                                             {PgParam::Text(name)}));
  return PQntuples(result.get()) > 0;
}

}  // namespace

absl::Status PrepareSchemaV9(PgConnection& db) {
  for (const char* table : kTablesWithExpiry) {
    RETURN_IF_ERROR(db.Exec(absl::StrCat("ALTER TABLE ", table,
                                         " ADD COLUMN IF NOT EXISTS expire_day date NOT NULL "
                                         "DEFAULT 'infinity'")));
  }
  for (const char* table : kTablesToPartition) {
    const std::string name = absl::StrCat(table, "_legacy_expiry");
    ASSIGN_OR_RETURN(bool exists, ConstraintExists(db, name));
    if (!exists) {
      RETURN_IF_ERROR(db.Exec(absl::StrCat("ALTER TABLE ", table, " ADD CONSTRAINT ", name,
                                           " CHECK (expire_day >= 'infinity'::date) NOT VALID")));
    }
    // Reads the table under SHARE UPDATE EXCLUSIVE: inserts go on.
    RETURN_IF_ERROR(db.Exec(absl::StrCat("ALTER TABLE ", table, " VALIDATE CONSTRAINT ", name)));
  }
  // A concurrent build waits for the transactions already running to end,
  // blocking no writer meanwhile: no lock timeout for it to trip on. The
  // swap that follows runs under the caller's timeout again.
  return WithLockTimeout(db, absl::ZeroDuration(), [&]() -> absl::Status {
    for (const IndexSpec& index : kIndexes) RETURN_IF_ERROR(EnsureIndexConcurrently(db, index));
    return absl::OkStatus();
  });
}

}  // namespace ingest
