#include "tools/bench_worker/pg_copy.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "services/common/status/pg_status.h"

namespace ingest::bench_worker {
namespace {

// libpq takes the data in pieces of at most an int; 1 MB keeps each small.
constexpr size_t kPiece = size_t{1} << 20;

}  // namespace

absl::Status CopyIn(PgConnection& connection, const std::string& copy_sql,
                    absl::string_view data) {
  PGconn* conn = connection.raw();
  PgResult start(PQexec(conn, copy_sql.c_str()));
  if (start == nullptr || PQresultStatus(start.get()) != PGRES_COPY_IN) {
    absl::Status status = PgResultToStatus(conn, start.get(), "start COPY");
    return status.ok() ? absl::InvalidArgumentError(
                             absl::StrCat("not a COPY FROM STDIN statement: ", copy_sql))
                       : status;
  }
  const char* error = nullptr;
  for (size_t at = 0; at < data.size(); at += kPiece) {
    const size_t length = std::min(kPiece, data.size() - at);
    if (PQputCopyData(conn, data.data() + at, static_cast<int>(length)) != 1) {
      error = "sending COPY data failed";
      break;
    }
  }
  if (PQputCopyEnd(conn, error) != 1) {
    return absl::UnavailableError(absl::StrCat("ending COPY failed: ", PQerrorMessage(conn)));
  }
  absl::Status status = absl::OkStatus();
  // One result for the COPY, then null.
  while (PGresult* raw = PQgetResult(conn)) {
    PgResult result(raw);
    if (status.ok() && PQresultStatus(raw) != PGRES_COMMAND_OK) {
      status = PgResultToStatus(conn, raw, "COPY");
      if (status.ok()) status = absl::InternalError("COPY did not complete");
    }
  }
  return status;
}

}  // namespace ingest::bench_worker
