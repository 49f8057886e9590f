#include "services/common/pg/connection.h"

#include "absl/strings/str_cat.h"
#include "services/common/status/pg_status.h"

namespace ingest {

absl::StatusOr<std::unique_ptr<PgConnection>> PgConnection::Connect(
    const std::string& dsn, absl::Duration connect_timeout) {
  const std::string timeout = std::to_string(std::max<int64_t>(1, absl::ToInt64Seconds(connect_timeout)));
  const char* keys[] = {"dbname", "connect_timeout", "application_name", nullptr};
  const char* values[] = {dsn.c_str(), timeout.c_str(), "session-ingest", nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (conn == nullptr) return absl::ResourceExhaustedError("libpq could not allocate a connection");
  if (PQstatus(conn) != CONNECTION_OK) {
    absl::Status status = absl::UnavailableError(absl::StrCat(
        "cannot connect to PostgreSQL at host=", PQhost(conn) ? PQhost(conn) : "?",
        " port=", PQport(conn) ? PQport(conn) : "?", " db=", PQdb(conn) ? PQdb(conn) : "?",
        ": ", PQerrorMessage(conn), "(is it running? check --pg_dsn)"));
    PQfinish(conn);
    return status;
  }
  return std::unique_ptr<PgConnection>(new PgConnection(conn));
}

PgConnection::~PgConnection() { PQfinish(conn_); }

absl::Status PgConnection::Exec(absl::string_view sql) {
  PgResult result(PQexec(conn_, std::string(sql).c_str()));
  return PgResultToStatus(conn_, result.get(), "execute SQL");
}

absl::StatusOr<PgResult> PgConnection::Query(absl::string_view sql,
                                             const std::vector<PgParam>& params) {
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  values.reserve(params.size());
  for (const PgParam& param : params) {
    values.push_back(param.data());
    lengths.push_back(param.length());
    formats.push_back(param.binary() ? 1 : 0);
  }
  PgResult result(PQexecParams(conn_, std::string(sql).c_str(), static_cast<int>(params.size()),
                               /*paramTypes=*/nullptr, values.data(), lengths.data(),
                               formats.data(), /*resultFormat=*/0));
  absl::Status status = PgResultToStatus(conn_, result.get(), "query");
  if (!status.ok()) return status;
  return result;
}

bool PgConnection::IsHealthy() const { return PQstatus(conn_) == CONNECTION_OK; }

}  // namespace ingest
