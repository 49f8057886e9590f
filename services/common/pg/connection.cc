#include "services/common/pg/connection.h"

#include <algorithm>

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
                                             const std::vector<PgParam>& params,
                                             PgFormat result_format) {
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
                               formats.data(), static_cast<int>(result_format)));
  absl::Status status = PgResultToStatus(conn_, result.get(), "query");
  if (!status.ok()) return status;
  return result;
}

absl::Status PgConnection::CopyIn(absl::string_view copy_sql, absl::string_view data) {
  PgResult start(PQexec(conn_, std::string(copy_sql).c_str()));
  if (PQresultStatus(start.get()) != PGRES_COPY_IN) {
    absl::Status status = PgResultToStatus(conn_, start.get(), "start COPY");
    // A statement that is not COPY FROM STDIN is a programming error.
    return status.ok() ? absl::InternalError("CopyIn needs a COPY ... FROM STDIN statement")
                       : status;
  }
  // libpq copies each piece into its output buffer; 1 MiB pieces keep that
  // buffer small however large `data` is.
  constexpr size_t kPieceBytes = 1 << 20;
  bool sent = true;
  for (size_t at = 0; sent && at < data.size(); at += kPieceBytes) {
    const size_t size = std::min(kPieceBytes, data.size() - at);
    sent = PQputCopyData(conn_, data.data() + at, static_cast<int>(size)) == 1;
  }
  // Ending with an error message makes the server abort the COPY cleanly.
  if (PQputCopyEnd(conn_, sent ? nullptr : "client could not send the COPY data") != 1) {
    return PgResultToStatus(conn_, nullptr, "end COPY");
  }
  absl::Status status = absl::OkStatus();
  while (PGresult* raw = PQgetResult(conn_)) {
    PgResult result(raw);
    if (status.ok()) status = PgResultToStatus(conn_, result.get(), "COPY");
  }
  return status;
}

bool PgConnection::IsHealthy() const { return PQstatus(conn_) == CONNECTION_OK; }

}  // namespace ingest
