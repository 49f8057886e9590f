#include "services/broker_proxy/retention_database.h"

#include <cstdlib>
#include <utility>

#include "absl/strings/numbers.h"
#include "services/common/pg/bounded_connection.h"
#include "services/common/pg/connection.h"
#include "services/common/status/status_context.h"
#include "services/common/status/status_macros.h"

namespace ingest {
namespace {

// Whether the database has schema v9 (the worker migrates it, so
// broker-proxy may meet an older one).
constexpr char kHasRetentionRunsSql[] = "SELECT to_regclass('retention_runs') IS NOT NULL";
// Seconds since the epoch of the newest run; NULL when there is none.
constexpr char kLastFinishedSql[] =
    "SELECT extract(epoch FROM max(finished_at))::double precision FROM retention_runs";

constexpr char kWhat[] = "the worker's database, for retention";

class PgRetentionDatabase final : public RetentionDatabase {
 public:
  PgRetentionDatabase(std::string dsn, absl::Duration timeout)
      : dsn_(std::move(dsn)), timeout_(timeout) {}

  absl::StatusOr<ErasureResult> Erase(const ErasureRequest& request) override {
    ASSIGN_OR_RETURN(auto connection, ConnectBounded(dsn_, timeout_, kWhat));
    absl::StatusOr<ErasureResult> result = EraseSessions(*connection, request);
    if (!result.ok()) {
      return WithContext(result.status(),
                         "erasing sessions (one transaction: running it again is safe)");
    }
    return result;
  }

  absl::StatusOr<EnforcementReport> Enforce(const EnforcementOptions& options) override {
    ASSIGN_OR_RETURN(auto connection, ConnectBounded(dsn_, timeout_, kWhat));
    absl::StatusOr<EnforcementReport> report = EnforceRetention(*connection, options);
    if (!report.ok()) {
      return WithContext(report.status(),
                         "enforcing retention (what was done stays done; running it again is "
                         "safe)");
    }
    return report;
  }

  absl::StatusOr<std::optional<absl::Time>> LastEnforcement() override {
    ASSIGN_OR_RETURN(auto connection, ConnectBounded(dsn_, timeout_, kWhat, PgAccess::kReadOnly));
    ASSIGN_OR_RETURN(PgResult schema, connection->Query(kHasRetentionRunsSql, {}));
    if (std::string(PQgetvalue(schema.get(), 0, 0)) != "t") {
      return absl::FailedPreconditionError(
          "the database has no retention_runs yet (schema v9): the worker migrates it when it "
          "starts; upgrade the worker first");
    }
    absl::StatusOr<PgResult> last = connection->Query(kLastFinishedSql, {});
    if (!last.ok()) return WithContext(last.status(), "reading the last retention run");
    if (PQgetisnull(last->get(), 0, 0) != 0) return std::optional<absl::Time>();
    double seconds = 0;
    if (!absl::SimpleAtod(PQgetvalue(last->get(), 0, 0), &seconds)) {
      return absl::InternalError("retention_runs.finished_at: not a number of seconds");
    }
    return std::optional<absl::Time>(absl::UnixEpoch() + absl::Seconds(seconds));
  }

 private:
  const std::string dsn_;
  const absl::Duration timeout_;
};

}  // namespace

std::unique_ptr<RetentionDatabase> CreatePgRetentionDatabase(std::string dsn,
                                                             absl::Duration timeout) {
  return std::make_unique<PgRetentionDatabase>(std::move(dsn), timeout);
}

}  // namespace ingest
