#include "services/worker/store/session_gate.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/pg/pg_text_array.h"
#include "services/common/retention/session_locks.h"
#include "services/common/status/status_macros.h"

namespace ingest {
namespace {

// Existing sessions keep their day; new ones whose day has not passed and
// that were never erased get a row with theirs.
constexpr char kOpenGate[] = R"sql(
WITH k AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::date[], $4::integer[])
    AS k(session_id, project_id, new_day, retention_days)),
classes AS (
  INSERT INTO retention_classes (retention_days)
  SELECT DISTINCT retention_days FROM k
  ON CONFLICT (retention_days) DO NOTHING),
created AS (
  INSERT INTO sessions (session_id, project_id, expire_day)
  SELECT session_id, project_id, new_day FROM k
  WHERE new_day >= (now() AT TIME ZONE 'UTC')::date
    AND NOT EXISTS (SELECT 1 FROM erased_sessions e WHERE e.session_id = k.session_id)
  ON CONFLICT (session_id) DO NOTHING
  RETURNING session_id, expire_day)
SELECT k.session_id, coalesce(c.expire_day, s.expire_day)::text, e.session_id IS NOT NULL
FROM k
LEFT JOIN created c ON c.session_id = k.session_id
LEFT JOIN sessions s ON s.session_id = k.session_id
LEFT JOIN erased_sessions e ON e.session_id = k.session_id
)sql";

}  // namespace

GateVerdict SessionGate::VerdictOf(const std::string& session_id) const {
  auto refused = refused_.find(session_id);
  return refused == refused_.end() ? GateVerdict::kAdmitted : refused->second;
}

ExpireDay SessionGate::DayOf(const std::string& session_id) const {
  auto day = days_.find(session_id);
  return day == days_.end() ? ExpireDay::Never() : day->second;
}

absl::StatusOr<SessionGate> OpenSessionGate(PgConnection& db,
                                            const std::map<std::string, GateEntry>& sessions,
                                            int default_retention_days) {
  SessionGate gate;
  if (sessions.empty()) return gate;
  std::vector<std::string> ids;
  std::vector<std::string> projects;
  std::vector<std::string> days;
  std::vector<int> retentions;
  for (const auto& [session_id, entry] : sessions) {
    const int retention = entry.retention_days > 0 ? entry.retention_days : default_retention_days;
    ids.push_back(session_id);
    projects.push_back(entry.project_id);
    days.push_back(ExpireDay::Of(entry.received_at, retention).ToString());
    retentions.push_back(retention);
  }
  const PgParam id_array = PgParam::Text(ToPgTextArray(ids));
  RETURN_IF_ERROR(db.Query(LockSessionsSql(false), {id_array}).status());
  ASSIGN_OR_RETURN(
      PgResult result,
      db.Query(kOpenGate, {id_array, PgParam::Text(ToPgTextArray(projects)),
                           PgParam::Text(ToPgTextArray(days)),
                           PgParam::Text(absl::StrCat("{", absl::StrJoin(retentions, ","), "}"))}));
  for (int row = 0; row < PQntuples(result.get()); ++row) {
    const std::string session_id = PQgetvalue(result.get(), row, 0);
    if (PQgetvalue(result.get(), row, 2)[0] == 't') {
      gate.Refuse(session_id, GateVerdict::kErased);
    } else if (PQgetisnull(result.get(), row, 1)) {
      gate.Refuse(session_id, GateVerdict::kExpired);
    } else {
      ASSIGN_OR_RETURN(ExpireDay day, ExpireDay::Parse(PQgetvalue(result.get(), row, 1)));
      gate.Admit(session_id, day);
    }
  }
  return gate;
}

}  // namespace ingest
