#include "services/common/retention/session_eraser.h"

#include <cstdlib>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/pg/pg_text_array.h"
#include "services/common/pg/transaction.h"
#include "services/common/retention/session_locks.h"
#include "services/common/status/status_macros.h"

namespace ingest {
namespace {

struct SessionTable {
  const char* name;
  const char* bytes;  // what a row weighs in the report
};

// Every table holding rows of a session; the session row last.
constexpr SessionTable kSessionTables[] = {
    {"session_payloads", "octet_length(data)"},
    {"stream_chunks", "octet_length(data)"},
    {"payload_facts", "0"},
    {"payload_streams", "0"},
    {"session_feedback", "0"},
    {"backend_errors", "0"},
    {"metrics", "0"},
    {"quarantined_sessions", "0"},
    {"sessions", "0"},
};

std::string CountSql(const SessionTable& table, bool dry_run) {
  if (dry_run) {
    return absl::StrCat("SELECT session_id, count(*), coalesce(sum(", table.bytes,
                        "), 0)::bigint FROM ", table.name,
                        " WHERE session_id = ANY($1::text[]) GROUP BY session_id");
  }
  return absl::StrCat("WITH d AS (DELETE FROM ", table.name,
                      " WHERE session_id = ANY($1::text[]) RETURNING session_id, ", table.bytes,
                      " AS b) SELECT session_id, count(*), coalesce(sum(b), 0)::bigint FROM d "
                      "GROUP BY session_id");
}

absl::StatusOr<std::vector<ErasedSession>> FindSessions(PgConnection& db,
                                                        const ErasureRequest& request) {
  PgResult result;
  if (!request.session_ids.empty()) {
    const std::set<std::string> unique(request.session_ids.begin(), request.session_ids.end());
    ASSIGN_OR_RETURN(result, db.Query("SELECT k.s, coalesce(s.project_id, '') "
                                      "FROM unnest($1::text[]) AS k(s) "
                                      "LEFT JOIN sessions s ON s.session_id = k.s ORDER BY k.s",
                                      {PgParam::Text(ToPgTextArray(std::vector<std::string>(
                                          unique.begin(), unique.end())))}));
  } else {
    ASSIGN_OR_RETURN(result, db.Query("SELECT session_id, project_id FROM sessions "
                                      "WHERE project_id = $1 AND user_identifier = $2 "
                                      "ORDER BY created_at, session_id",
                                      {PgParam::Text(request.project_id),
                                       PgParam::Text(request.user_identifier)}));
  }
  std::vector<ErasedSession> sessions;
  for (int row = 0; row < PQntuples(result.get()); ++row) {
    sessions.push_back({PQgetvalue(result.get(), row, 0), PQgetvalue(result.get(), row, 1)});
  }
  return sessions;
}

absl::Status Validate(const ErasureRequest& request) {
  const bool by_id = !request.session_ids.empty();
  const bool by_user = !request.project_id.empty() || !request.user_identifier.empty();
  if (by_id == by_user) {
    return absl::InvalidArgumentError(
        "name the sessions to erase either by id or by --project and --user, not both");
  }
  if (by_user && (request.project_id.empty() || request.user_identifier.empty())) {
    return absl::InvalidArgumentError("erasing by user needs both the project and the user");
  }
  for (const std::string& id : request.session_ids) {
    if (id.empty()) return absl::InvalidArgumentError("a session id to erase is empty");
  }
  if (!request.dry_run && request.requested_by.empty()) {
    return absl::InvalidArgumentError("an erasure must say who requested it (for its audit row)");
  }
  return absl::OkStatus();
}

// Deletes (or counts) every table's rows of `ids` into `result`.
absl::Status SweepTables(PgConnection& db, const PgParam& ids, bool dry_run,
                         ErasureResult& result) {
  std::map<std::string, ErasedSession*> by_id;
  for (ErasedSession& session : result.sessions) by_id[session.session_id] = &session;
  for (const SessionTable& table : kSessionTables) {
    ASSIGN_OR_RETURN(PgResult rows, db.Query(CountSql(table, dry_run), {ids}));
    int64_t& table_rows = result.rows_by_table[table.name];
    for (int row = 0; row < PQntuples(rows.get()); ++row) {
      const int64_t count = std::atoll(PQgetvalue(rows.get(), row, 1));
      const int64_t bytes = std::atoll(PQgetvalue(rows.get(), row, 2));
      table_rows += count;
      result.rows += count;
      result.bytes += bytes;
      auto session = by_id.find(PQgetvalue(rows.get(), row, 0));
      if (session == by_id.end()) continue;
      session->second->rows += count;
      session->second->bytes += bytes;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> RecordErasure(PgConnection& db, const ErasureRequest& request,
                                      const PgParam& ids, const ErasureResult& result) {
  std::vector<std::string> counts;
  for (const auto& [table, rows] : result.rows_by_table) {
    counts.push_back(absl::StrCat("\"", table, "\": ", rows));
  }
  ASSIGN_OR_RETURN(
      PgResult audit,
      db.Query("INSERT INTO erasure_audit (requested_by, scope, project_id, "
               "user_identifier_sha256, session_ids, rows_deleted, bytes_deleted, rows_by_table) "
               "VALUES ($1, $2, nullif($3, ''), "
               "CASE WHEN $4 = '' THEN NULL ELSE sha256(convert_to($4, 'UTF8')) END, "
               "$5::text[], $6::bigint, $7::bigint, $8::jsonb) RETURNING erasure_id",
               {PgParam::Text(request.requested_by),
                PgParam::Text(request.session_ids.empty() ? "user" : "session"),
                PgParam::Text(request.project_id), PgParam::Text(request.user_identifier), ids,
                PgParam::Int(result.rows), PgParam::Int(result.bytes),
                PgParam::Text(absl::StrCat("{", absl::StrJoin(counts, ", "), "}"))}));
  const int64_t erasure_id = std::atoll(PQgetvalue(audit.get(), 0, 0));
  std::vector<std::string> projects;
  for (const ErasedSession& session : result.sessions) projects.push_back(session.project_id);
  RETURN_IF_ERROR(db.Query("INSERT INTO erased_sessions (session_id, project_id, erasure_id) "
                           "SELECT s, nullif(p, ''), $3::bigint "
                           "FROM unnest($1::text[], $2::text[]) AS u(s, p) "
                           "ON CONFLICT (session_id) DO NOTHING",
                           {ids, PgParam::Text(ToPgTextArray(projects)), PgParam::Int(erasure_id)})
                      .status());
  return erasure_id;
}

absl::StatusOr<ErasureResult> EraseLocked(PgConnection& db, const ErasureRequest& request) {
  ErasureResult result;
  ASSIGN_OR_RETURN(result.sessions, FindSessions(db, request));
  std::vector<std::string> session_ids;
  for (const ErasedSession& session : result.sessions) session_ids.push_back(session.session_id);
  const PgParam ids = PgParam::Text(ToPgTextArray(session_ids));
  // The worker holds these shared while it writes the sessions: from here on
  // it has committed all it will until it sees the tombstones.
  if (!request.dry_run) RETURN_IF_ERROR(db.Query(LockSessionsSql(true), {ids}).status());
  RETURN_IF_ERROR(SweepTables(db, ids, request.dry_run, result));
  if (!request.dry_run) {
    ASSIGN_OR_RETURN(result.erasure_id, RecordErasure(db, request, ids, result));
  }
  return result;
}

}  // namespace

absl::StatusOr<ErasureResult> EraseSessions(PgConnection& db, const ErasureRequest& request) {
  RETURN_IF_ERROR(Validate(request));
  return InTransaction(
      db, [&] { return EraseLocked(db, request); },
      request.dry_run ? TransactionEnd::kRollBack : TransactionEnd::kCommit);
}

}  // namespace ingest
