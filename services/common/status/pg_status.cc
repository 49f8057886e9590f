#include "services/common/status/pg_status.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace ingest {

absl::StatusCode SqlStateToCode(absl::string_view sqlstate) {
  if (sqlstate == "55P03") return absl::StatusCode::kUnavailable;        // lock_not_available
  if (sqlstate == "57014") return absl::StatusCode::kDeadlineExceeded;   // query_canceled
  if (sqlstate == "40001" || sqlstate == "40P01") return absl::StatusCode::kAborted;
  if (absl::StartsWith(sqlstate, "08")) return absl::StatusCode::kUnavailable;  // connection
  if (absl::StartsWith(sqlstate, "57P")) return absl::StatusCode::kUnavailable;  // shutdown
  if (sqlstate == "53300") return absl::StatusCode::kUnavailable;  // too_many_connections
  if (absl::StartsWith(sqlstate, "53")) return absl::StatusCode::kResourceExhausted;
  if (absl::StartsWith(sqlstate, "22")) return absl::StatusCode::kInvalidArgument;  // data
  if (absl::StartsWith(sqlstate, "23")) return absl::StatusCode::kFailedPrecondition;
  if (absl::StartsWith(sqlstate, "42")) return absl::StatusCode::kFailedPrecondition;
  return absl::StatusCode::kInternal;
}

absl::Status PgResultToStatus(const PGconn* conn, const PGresult* result,
                              absl::string_view context) {
  if (result != nullptr) {
    const ExecStatusType exec_status = PQresultStatus(result);
    if (exec_status == PGRES_COMMAND_OK || exec_status == PGRES_TUPLES_OK ||
        exec_status == PGRES_COPY_IN || exec_status == PGRES_PIPELINE_SYNC) {
      return absl::OkStatus();
    }
    const char* sqlstate = PQresultErrorField(result, PG_DIAG_SQLSTATE);
    std::string message = PQresultErrorMessage(result);
    if (sqlstate != nullptr) {
      return absl::Status(SqlStateToCode(sqlstate),
                          absl::StrCat(context, ": SQLSTATE ", sqlstate, ": ",
                                       absl::StripTrailingAsciiWhitespace(message)));
    }
  }
  // No SQLSTATE: the connection itself failed.
  std::string message = conn != nullptr ? PQerrorMessage(conn) : "no connection";
  return absl::UnavailableError(
      absl::StrCat(context, ": ", absl::StripTrailingAsciiWhitespace(message)));
}

bool IsRetriablePgError(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
      return false;
    default:
      return !status.ok();
  }
}

}  // namespace ingest
