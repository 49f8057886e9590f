#include "services/common/pg/bounded_connection.h"

#include "absl/strings/str_cat.h"
#include "services/common/status/status_macros.h"

namespace ingest {

absl::StatusOr<std::unique_ptr<PgConnection>> ConnectBounded(const std::string& dsn,
                                                             absl::Duration timeout,
                                                             absl::string_view what,
                                                             PgAccess access) {
  auto connection = PgConnection::Connect(dsn, timeout);
  if (!connection.ok()) {
    return absl::UnavailableError(
        absl::StrCat("PostgreSQL (", what, "): ", connection.status().message()));
  }
  // One round trip for both settings.
  std::string settings =
      absl::StrCat("SET statement_timeout = ", absl::ToInt64Milliseconds(timeout));
  if (access == PgAccess::kReadOnly) {
    absl::StrAppend(&settings, "; SET default_transaction_read_only = on");
  }
  RETURN_IF_ERROR((*connection)->Exec(settings));
  return connection;
}

}  // namespace ingest
