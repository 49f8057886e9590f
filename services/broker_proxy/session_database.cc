#include "services/broker_proxy/session_database.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "services/common/pg/bounded_connection.h"
#include "services/common/pg/connection.h"
#include "services/common/status/status_context.h"
#include "services/common/status/status_macros.h"

namespace ingest {
namespace {

// One row: what the tables say of $1. Times as Unix milliseconds. The last
// columns say whether the database has schema v8 (summaries) and v9
// (retention): the worker migrates it, so broker-proxy may meet an older
// one.
constexpr char kFactsSql[] = R"sql(
SELECT
  (SELECT project_id FROM sessions WHERE session_id = $1),
  EXISTS (SELECT 1 FROM sessions WHERE session_id = $1) OR p.payloads > 0,
  q.reason,
  (extract(epoch FROM q.quarantined_at) * 1000)::bigint,
  q.project_id,
  p.payloads,
  p.highest,
  p.stored,
  (extract(epoch FROM p.first_received) * 1000)::bigint,
  (extract(epoch FROM p.last_received) * 1000)::bigint,
  EXISTS (SELECT 1 FROM payload_streams WHERE session_id = $1)
    OR EXISTS (SELECT 1 FROM session_feedback WHERE session_id = $1)
    OR EXISTS (SELECT 1 FROM backend_errors WHERE session_id = $1),
  q.redrive_id,
  to_regclass('payload_facts') IS NOT NULL,
  to_regclass('retention_classes') IS NOT NULL
FROM (SELECT count(DISTINCT payload_id) AS payloads,
             coalesce(max(payload_id), 0) AS highest,
             coalesce(sum(octet_length(data)), 0) AS stored,
             min(received_at) AS first_received,
             max(received_at) AS last_received
        FROM session_payloads WHERE session_id = $1) p
LEFT JOIN LATERAL (SELECT reason, quarantined_at, project_id, redrive_id FROM quarantined_sessions
                    WHERE session_id = $1 ORDER BY quarantined_at LIMIT 1) q ON true
)sql";

// The missing payload id ranges between 1 and the highest, lowest first,
// computed over the distinct ids with lag(): one row per range, not per id.
constexpr char kGapsSql[] = R"sql(
SELECT prev + 1, payload_id - 1
  FROM (SELECT payload_id, lag(payload_id, 1, 0::bigint) OVER (ORDER BY payload_id) AS prev
          FROM (SELECT DISTINCT payload_id FROM session_payloads WHERE session_id = $1) ids) t
 WHERE payload_id - prev > 1
 ORDER BY payload_id
 LIMIT $2
)sql";

// The worker's lifecycle of $1 (one row, or none without a sessions row).
constexpr char kLifecycleSql[] = R"sql(
SELECT coalesce(status, ''),
       (extract(epoch FROM completed_at) * 1000)::bigint,
       coalesce(reopened_count, 0),
       (extract(epoch FROM last_activity_at) * 1000)::bigint,
       summary
  FROM sessions WHERE session_id = $1
)sql";

// The page views of $1: every payload's pages by payload id, then position,
// an href equal to the previous one dropped (lag() over the same order), at
// most $2 rows.
constexpr char kPagesSql[] = R"sql(
SELECT href
  FROM (SELECT f.payload_id, u.position, u.href,
               lag(u.href) OVER (ORDER BY f.payload_id, u.position) AS previous
          FROM payload_facts f
          CROSS JOIN LATERAL unnest(f.pages) WITH ORDINALITY AS u(href, position)
         WHERE f.session_id = $1) views
 WHERE previous IS DISTINCT FROM href
 ORDER BY payload_id, position
 LIMIT $2
)sql";

// The session's expire_day as text whatever the DateStyle (one row, or
// none without a sessions row).
constexpr char kExpireDaySql[] = R"sql(
SELECT CASE WHEN expire_day = 'infinity' THEN 'infinity' ELSE to_char(expire_day, 'YYYY-MM-DD') END
  FROM sessions WHERE session_id = $1
)sql";

// Whether the database has schema v8 (payload_facts and the sessions
// columns come in one migration transaction).
constexpr char kHasSummariesSql[] = "SELECT to_regclass('payload_facts') IS NOT NULL";

// Sessions rows newest first. $1 project ('' = any), $2 status ('' = any),
// $3 created_at lower bound in Unix ms (NULL = none), $4/$5 the cursor
// (created_at in Unix microseconds, session id; NULL = from the start), $6
// the limit. session_id compares bytewise (COLLATE "C") in the order and
// the cursor alike, whatever the database's collation. Unnamed statements
// are planned with their parameters, so the unused filters fold away.
constexpr char kListSql[] = R"sql(
SELECT session_id, project_id, coalesce(status, ''),
       (extract(epoch FROM created_at) * 1000000)::bigint,
       (extract(epoch FROM last_activity_at) * 1000)::bigint,
       (extract(epoch FROM completed_at) * 1000)::bigint,
       payload_count, length_ms, active_ms, clicks, rage_clicks, frontend_errors,
       coalesce(landing_page, ''), coalesce(exit_page, ''), pages_visited
  FROM sessions
 WHERE ($1 = '' OR project_id = $1)
   AND ($2 = '' OR status = $2)
   AND ($3::bigint IS NULL
        OR created_at >= 'epoch'::timestamptz + $3::bigint * interval '1 millisecond')
   AND ($4::bigint IS NULL
        OR created_at < 'epoch'::timestamptz + $4::bigint * interval '1 microsecond'
        OR (created_at = 'epoch'::timestamptz + $4::bigint * interval '1 microsecond'
            AND session_id COLLATE "C" < $5))
 ORDER BY created_at DESC, session_id COLLATE "C" DESC
 LIMIT $6
)sql";

bool IsNull(PGresult* result, int column) { return PQgetisnull(result, 0, column) != 0; }

template <typename T>
T Number(PGresult* result, int row, int column) {
  T value{};
  if (PQgetisnull(result, row, column) == 0) {
    (void)absl::SimpleAtoi(PQgetvalue(result, row, column), &value);
  }
  return value;
}

// A Unix-millisecond column; nullopt when NULL.
std::optional<absl::Time> MillisColumn(PGresult* result, int row, int column) {
  if (PQgetisnull(result, row, column) != 0) return std::nullopt;
  return absl::FromUnixMillis(Number<int64_t>(result, row, column));
}

// A bytea column in text format ("\x..." hex) as its bytes.
absl::StatusOr<std::string> ByteaColumn(PGresult* result, int row, int column) {
  size_t length = 0;
  unsigned char* bytes = PQunescapeBytea(
      reinterpret_cast<const unsigned char*>(PQgetvalue(result, row, column)), &length);
  if (bytes == nullptr) return absl::ResourceExhaustedError("unescaping a bytea value");
  std::string out(reinterpret_cast<const char*>(bytes), length);
  PQfreemem(bytes);
  return out;
}

class PgSessionDatabase final : public SessionDatabase {
 public:
  PgSessionDatabase(std::string dsn, absl::Duration timeout)
      : dsn_(std::move(dsn)), timeout_(timeout) {}

  absl::StatusOr<std::optional<SessionFacts>> ReadSession(const std::string& session_id) override {
    auto connection = ConnectBounded(dsn_, timeout_, "the worker's sessions", PgAccess::kReadOnly);
    if (!connection.ok()) return connection.status();
    auto facts = (*connection)->Query(kFactsSql, {PgParam::Text(session_id)});
    if (!facts.ok()) {
      return WithContext(facts.status(), absl::StrCat("reading session ", session_id));
    }
    PGresult* row = facts->get();
    if (PQntuples(row) != 1) return absl::InternalError("session facts: expected one row");
    SessionFacts out;
    out.has_rows = std::string(PQgetvalue(row, 0, 1)) == "t";
    out.quarantined = !IsNull(row, 2);
    const bool elsewhere = std::string(PQgetvalue(row, 0, 10)) == "t";
    if (!out.has_rows && !out.quarantined && !elsewhere) return std::optional<SessionFacts>();
    out.project_id = !IsNull(row, 0) ? PQgetvalue(row, 0, 0)
                     : !IsNull(row, 4) ? PQgetvalue(row, 0, 4)
                                       : "";
    if (out.quarantined) {
      out.quarantine_reason = PQgetvalue(row, 0, 2);
      out.quarantined_at = absl::FromUnixMillis(Number<int64_t>(row, 0, 3));
      if (!IsNull(row, 11)) out.redrive_id = PQgetvalue(row, 0, 11);
    }
    out.payloads = Number<int64_t>(row, 0, 5);
    out.highest_payload_id = Number<uint64_t>(row, 0, 6);
    out.stored_bytes = Number<int64_t>(row, 0, 7);
    if (!IsNull(row, 8)) out.first_received = absl::FromUnixMillis(Number<int64_t>(row, 0, 8));
    if (!IsNull(row, 9)) out.last_received = absl::FromUnixMillis(Number<int64_t>(row, 0, 9));

    // Ids 1..highest all present: no gaps to look for.
    if (out.highest_payload_id > static_cast<uint64_t>(out.payloads)) {
      auto gaps = (*connection)->Query(
          kGapsSql, {PgParam::Text(session_id), PgParam::Int(kMaxReportedGaps)});
      if (!gaps.ok()) {
        return WithContext(gaps.status(), absl::StrCat("reading the payload gaps of ", session_id));
      }
      for (int i = 0; i < PQntuples(gaps->get()); ++i) {
        out.gaps.emplace_back(Number<uint64_t>(gaps->get(), i, 0),
                              Number<uint64_t>(gaps->get(), i, 1));
      }
    }
    const bool has_summaries = std::string(PQgetvalue(row, 0, 12)) == "t";
    if (has_summaries) {
      if (absl::Status status = ReadLifecycle(**connection, session_id, out); !status.ok()) {
        return status;
      }
    }
    const bool has_retention = std::string(PQgetvalue(row, 0, 13)) == "t";
    if (has_retention) {
      auto expire = (*connection)->Query(kExpireDaySql, {PgParam::Text(session_id)});
      if (!expire.ok()) {
        return WithContext(expire.status(), absl::StrCat("reading the expiry day of ", session_id));
      }
      if (PQntuples(expire->get()) == 1 && !IsNull(expire->get(), 0)) {
        out.expire_day = PQgetvalue(expire->get(), 0, 0);
      }
    }
    return std::optional<SessionFacts>(std::move(out));
  }

  absl::StatusOr<std::vector<SessionListEntry>> ListSessions(
      const SessionListQuery& query) override {
    ASSIGN_OR_RETURN(auto connection,
                     ConnectBounded(dsn_, timeout_, "the worker's sessions", PgAccess::kReadOnly));
    auto schema = connection->Query(kHasSummariesSql, {});
    if (!schema.ok()) return WithContext(schema.status(), "reading the schema version");
    if (std::string(PQgetvalue(schema->get(), 0, 0)) != "t") {
      return absl::FailedPreconditionError(
          "the database has no session summaries yet (schema v8): the worker migrates it when "
          "it starts; upgrade the worker first");
    }
    auto rows = connection->Query(
        kListSql,
        {PgParam::Text(query.project_id), PgParam::Text(query.lifecycle),
         query.created_since ? PgParam::Int(absl::ToUnixMillis(*query.created_since))
                             : PgParam::Null(),
         query.after ? PgParam::Int(absl::ToUnixMicros(query.after->created_at)) : PgParam::Null(),
         query.after ? PgParam::Text(query.after->session_id) : PgParam::Null(),
         PgParam::Int(query.limit)});
    if (!rows.ok()) return WithContext(rows.status(), "listing sessions");
    PGresult* result = rows->get();
    std::vector<SessionListEntry> out;
    out.reserve(PQntuples(result));
    for (int i = 0; i < PQntuples(result); ++i) {
      SessionListEntry& entry = out.emplace_back();
      entry.session_id = PQgetvalue(result, i, 0);
      entry.project_id = PQgetvalue(result, i, 1);
      entry.lifecycle = PQgetvalue(result, i, 2);
      entry.created_at = absl::FromUnixMicros(Number<int64_t>(result, i, 3));
      entry.last_activity = MillisColumn(result, i, 4);
      entry.completed_at = MillisColumn(result, i, 5);
      entry.payloads = Number<int64_t>(result, i, 6);
      entry.length_ms = Number<int64_t>(result, i, 7);
      entry.active_ms = Number<int64_t>(result, i, 8);
      entry.clicks = Number<int64_t>(result, i, 9);
      entry.rage_clicks = Number<int64_t>(result, i, 10);
      entry.errors = Number<int64_t>(result, i, 11);
      entry.landing_page = PQgetvalue(result, i, 12);
      entry.exit_page = PQgetvalue(result, i, 13);
      entry.pages_visited = Number<int64_t>(result, i, 14);
    }
    return out;
  }

 private:
  // Fills the lifecycle, summary and pages of `out` (absent rows leave them
  // empty).
  static absl::Status ReadLifecycle(PgConnection& connection, const std::string& session_id,
                                    SessionFacts& out) {
    auto lifecycle = connection.Query(kLifecycleSql, {PgParam::Text(session_id)});
    if (!lifecycle.ok()) {
      return WithContext(lifecycle.status(), absl::StrCat("reading the lifecycle of ", session_id));
    }
    PGresult* row = lifecycle->get();
    if (PQntuples(row) == 1) {
      out.lifecycle = PQgetvalue(row, 0, 0);
      out.completed_at = MillisColumn(row, 0, 1);
      out.reopened_count = Number<int64_t>(row, 0, 2);
      out.last_activity = MillisColumn(row, 0, 3);
      if (!IsNull(row, 4)) {
        ASSIGN_OR_RETURN(std::string bytes, ByteaColumn(row, 0, 4));
        if (!out.summary.ParseFromString(bytes)) {
          return absl::DataLossError(absl::StrCat(
              "the summary of session ", session_id,
              " (sessions.summary) does not parse as an ingest.v1.SessionSummary"));
        }
      }
    }
    auto pages = connection.Query(
        kPagesSql, {PgParam::Text(session_id), PgParam::Int(kMaxSessionPages + 1)});
    if (!pages.ok()) {
      return WithContext(pages.status(), absl::StrCat("reading the pages of ", session_id));
    }
    const int views = PQntuples(pages->get());
    out.pages_truncated = views > kMaxSessionPages;
    for (int i = 0; i < views && i < kMaxSessionPages; ++i) {
      out.pages.emplace_back(PQgetvalue(pages->get(), i, 0));
    }
    return absl::OkStatus();
  }

  const std::string dsn_;
  const absl::Duration timeout_;
};

}  // namespace

std::unique_ptr<SessionDatabase> CreatePgSessionDatabase(std::string dsn, absl::Duration timeout) {
  return std::make_unique<PgSessionDatabase>(std::move(dsn), timeout);
}

}  // namespace ingest
