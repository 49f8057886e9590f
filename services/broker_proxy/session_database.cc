#include "services/broker_proxy/session_database.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/pg/bounded_connection.h"
#include "services/common/pg/connection.h"
#include "services/common/status/status_context.h"

namespace ingest {
namespace {

// One row: what the tables say of $1. Times as Unix milliseconds.
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
  q.redrive_id
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

bool IsNull(PGresult* result, int column) { return PQgetisnull(result, 0, column) != 0; }

template <typename T>
T Number(PGresult* result, int row, int column) {
  T value{};
  if (PQgetisnull(result, row, column) == 0) {
    (void)absl::SimpleAtoi(PQgetvalue(result, row, column), &value);
  }
  return value;
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
    return std::optional<SessionFacts>(std::move(out));
  }

 private:
  const std::string dsn_;
  const absl::Duration timeout_;
};

}  // namespace

std::unique_ptr<SessionDatabase> CreatePgSessionDatabase(std::string dsn, absl::Duration timeout) {
  return std::make_unique<PgSessionDatabase>(std::move(dsn), timeout);
}

}  // namespace ingest
