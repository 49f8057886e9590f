#include "bench/e2e/stored_sessions.h"

#include <libpq-fe.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/pg/pg_text_array.h"
#include "services/common/status/status_macros.h"

namespace ingest::bench_e2e {
namespace {

constexpr size_t kMaxProblems = 5;

constexpr char kPayloadsSql[] =
    "SELECT session_id, count(*), count(DISTINCT payload_id), max(payload_id) "
    "FROM session_payloads WHERE session_id = ANY($1::text[]) AND chunk_index = 0 "
    "GROUP BY session_id";
constexpr char kCountersSql[] =
    "SELECT session_id, payload_count, payload_id_gaps FROM sessions "
    "WHERE session_id = ANY($1::text[])";

bool Int(PGresult* result, int row, int column, int64_t* out) {
  return absl::SimpleAtoi(PQgetvalue(result, row, column), out);
}

}  // namespace

ExactlyOnceReport CheckExactlyOnce(const std::map<std::string, int64_t>& acked,
                                   const std::map<std::string, StoredSession>& stored) {
  ExactlyOnceReport report;
  int64_t bad = 0;
  for (const auto& [session, count] : acked) {
    ++report.sessions;
    report.acked += count;
    const auto it = stored.find(session);
    const StoredSession row = it == stored.end() ? StoredSession{} : it->second;
    report.stored += row.distinct_payloads;
    std::string problem;
    if (row.payloads != row.distinct_payloads) {
      problem = absl::StrCat(row.payloads - row.distinct_payloads, " duplicate rows");
    } else if (row.distinct_payloads != count || row.max_payload_id != count) {
      problem = absl::StrCat(row.distinct_payloads, " payloads stored (highest id ",
                             row.max_payload_id, "), ", count, " acknowledged");
    } else if (row.payload_count != count) {
      problem = absl::StrCat("sessions.payload_count ", row.payload_count, ", ", count,
                             " acknowledged");
    } else if (row.payload_id_gaps != 0) {
      problem = absl::StrCat("sessions.payload_id_gaps ", row.payload_id_gaps);
    }
    if (problem.empty()) continue;
    if (++bad <= static_cast<int64_t>(kMaxProblems)) {
      report.problems.push_back(absl::StrCat("session ", session, ": ", problem));
    }
  }
  if (bad > static_cast<int64_t>(kMaxProblems)) {
    report.problems.push_back(absl::StrCat("... and ", bad - kMaxProblems, " more sessions"));
  }
  return report;
}

absl::StatusOr<std::map<std::string, StoredSession>> ReadStoredSessions(
    PgConnection& db, absl::Span<const std::string> session_ids) {
  std::map<std::string, StoredSession> stored;
  const std::string ids = ToPgTextArray(session_ids);
  absl::StatusOr<PgResult> payloads = db.Query(kPayloadsSql, {PgParam::Text(ids)});
  if (!payloads.ok()) return payloads.status();
  for (int row = 0; row < PQntuples(payloads->get()); ++row) {
    StoredSession& session = stored[PQgetvalue(payloads->get(), row, 0)];
    if (!Int(payloads->get(), row, 1, &session.payloads) ||
        !Int(payloads->get(), row, 2, &session.distinct_payloads) ||
        !Int(payloads->get(), row, 3, &session.max_payload_id)) {
      return absl::InternalError("unexpected row counting session_payloads");
    }
  }
  ASSIGN_OR_RETURN(PgResult counters, db.Query(kCountersSql, {PgParam::Text(ids)}));
  for (int row = 0; row < PQntuples(counters.get()); ++row) {
    StoredSession& session = stored[PQgetvalue(counters.get(), row, 0)];
    if (!Int(counters.get(), row, 1, &session.payload_count) ||
        !Int(counters.get(), row, 2, &session.payload_id_gaps)) {
      return absl::InternalError("unexpected row reading sessions");
    }
  }
  return stored;
}

}  // namespace ingest::bench_e2e
