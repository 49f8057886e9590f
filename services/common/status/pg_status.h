#pragma once

// The one place libpq failures become absl::Status codes.
//
// The worker's retry policy reads only these codes:
//   UNAVAILABLE        connection lost/refused, server shutting down, lock
//                      timeout (55P03), too many connections  -> retry
//   DEADLINE_EXCEEDED  statement timeout / query canceled (57014) -> retry
//   ABORTED            serialization failure / deadlock (40001, 40P01) -> retry
//   INVALID_ARGUMENT / FAILED_PRECONDITION   data or schema problems -> no retry
//   INTERNAL           anything else -> retry (conservatively: never skip)

#include <libpq-fe.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace ingest {

// Maps a five-character SQLSTATE to a status code.
absl::StatusCode SqlStateToCode(absl::string_view sqlstate);

// Status for a failed result (or a null result on `conn`). `context` says what
// was being done ("persist batch of partition 3").
absl::Status PgResultToStatus(const PGconn* conn, const PGresult* result,
                              absl::string_view context);

// True for codes the worker retries with backoff rather than giving up on.
bool IsRetriablePgError(const absl::Status& status);

}  // namespace ingest
