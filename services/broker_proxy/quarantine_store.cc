#include "services/broker_proxy/quarantine_store.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/pg/bounded_connection.h"
#include "services/common/pg/connection.h"
#include "services/common/status/status_context.h"
#include "services/common/status/status_macros.h"

namespace ingest {
namespace {

constexpr char kReadSql[] = R"sql(
SELECT kafka_partition, first_offset, reason, redrive_id
  FROM quarantined_sessions
 WHERE topic = $1 AND session_id = $2
)sql";

// erased_sessions exists from schema v9 on (the worker migrates; broker-proxy
// may meet an older database): looked for first.
constexpr char kHasErasuresSql[] = "SELECT to_regclass('erased_sessions') IS NOT NULL";
constexpr char kReadErasureSql[] = R"sql(
SELECT erasure_id, (extract(epoch FROM erased_at) * 1000)::bigint
  FROM erased_sessions
 WHERE session_id = $1
)sql";

// Only the quarantine read before (same first_offset): a quarantine lifted
// and begun anew meanwhile is another one, with other dead letters.
constexpr char kMarkSql[] = R"sql(
UPDATE quarantined_sessions SET redrive_id = $4
 WHERE topic = $1 AND session_id = $2 AND first_offset = $3::bigint
RETURNING 1
)sql";

class PgQuarantineStore final : public QuarantineStore {
 public:
  PgQuarantineStore(std::string dsn, absl::Duration timeout)
      : dsn_(std::move(dsn)), timeout_(timeout) {}

  absl::StatusOr<std::optional<Quarantine>> ReadQuarantine(
      const std::string& topic, const std::string& session_id) override {
    ASSIGN_OR_RETURN(auto connection, Connect());
    ASSIGN_OR_RETURN(PgResult result,
                     Run(*connection, kReadSql, {PgParam::Text(topic), PgParam::Text(session_id)},
                         absl::StrCat("reading the quarantine of session ", session_id)));
    PGresult* rows = result.get();
    if (PQntuples(rows) == 0) return std::optional<Quarantine>();
    Quarantine quarantine;
    if (!absl::SimpleAtoi(PQgetvalue(rows, 0, 0), &quarantine.partition) ||
        !absl::SimpleAtoi(PQgetvalue(rows, 0, 1), &quarantine.first_offset)) {
      return absl::InternalError(
          absl::StrCat("the quarantine of session ", session_id, " has no numeric position"));
    }
    quarantine.reason = PQgetvalue(rows, 0, 2);
    if (PQgetisnull(rows, 0, 3) == 0) quarantine.redrive_id = PQgetvalue(rows, 0, 3);
    return std::optional<Quarantine>(std::move(quarantine));
  }

  absl::StatusOr<std::optional<SessionErasure>> ReadErasure(
      const std::string& session_id) override {
    ASSIGN_OR_RETURN(auto connection, Connect());
    const std::string what = absl::StrCat("reading the erasure of session ", session_id);
    ASSIGN_OR_RETURN(PgResult has, Run(*connection, kHasErasuresSql, {}, what));
    if (PQgetvalue(has.get(), 0, 0)[0] != 't') return std::optional<SessionErasure>();
    ASSIGN_OR_RETURN(PgResult result,
                     Run(*connection, kReadErasureSql, {PgParam::Text(session_id)}, what));
    PGresult* rows = result.get();
    if (PQntuples(rows) == 0) return std::optional<SessionErasure>();
    SessionErasure erasure;
    int64_t erased_at_ms = 0;
    if (!absl::SimpleAtoi(PQgetvalue(rows, 0, 0), &erasure.erasure_id) ||
        !absl::SimpleAtoi(PQgetvalue(rows, 0, 1), &erased_at_ms)) {
      return absl::InternalError(
          absl::StrCat("the erasure of session ", session_id, " has no numeric id or time"));
    }
    erasure.erased_at = absl::FromUnixMillis(erased_at_ms);
    return std::optional<SessionErasure>(erasure);
  }

  absl::StatusOr<bool> MarkRedrive(const std::string& topic, const std::string& session_id,
                                   int64_t first_offset, const std::string& redrive_id) override {
    ASSIGN_OR_RETURN(auto connection, Connect());
    ASSIGN_OR_RETURN(PgResult result, Run(*connection, kMarkSql,
                                          {PgParam::Text(topic), PgParam::Text(session_id),
                                           PgParam::Int(first_offset), PgParam::Text(redrive_id)},
                                          absl::StrCat("marking the quarantine of session ",
                                                       session_id, " with redrive ", redrive_id)));
    return PQntuples(result.get()) > 0;
  }

 private:
  absl::StatusOr<std::unique_ptr<PgConnection>> Connect() {
    return ConnectBounded(dsn_, timeout_, "the worker's quarantines");
  }

  // One statement; a failure says what it was `what` for.
  static absl::StatusOr<PgResult> Run(PgConnection& db, const char* sql,
                                      const std::vector<PgParam>& params, const std::string& what) {
    absl::StatusOr<PgResult> result = db.Query(sql, params);
    if (!result.ok()) return WithContext(result.status(), what);
    return result;
  }

  const std::string dsn_;
  const absl::Duration timeout_;
};

}  // namespace

std::string ErasedSessionText(const std::string& session_id, const SessionErasure& erasure) {
  return absl::StrCat("session ", session_id, " was erased (erasure ", erasure.erasure_id, " at ",
                      absl::FormatTime(absl::RFC3339_sec, erasure.erased_at, absl::UTCTimeZone()),
                      ")");
}

std::unique_ptr<QuarantineStore> CreatePgQuarantineStore(std::string dsn, absl::Duration timeout) {
  return std::make_unique<PgQuarantineStore>(std::move(dsn), timeout);
}

}  // namespace ingest
