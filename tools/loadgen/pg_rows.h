#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "tools/loadgen/row_reader.h"

namespace ingest::loadgen {

// Connects to PostgreSQL at `dsn` (a libpq connection string or URI) and
// returns a RowReader over the session_payloads and sessions tables. Queries
// are parameterized (`session_id = ANY($1)`) and cover at most
// `sessions_per_query` sessions each. Payload rows are stored compressed,
// so their bytes come over through a cursor, a few rows at a time, and are
// decoded and hashed here. Session rows come in binary format (the summary
// is bytea); their status is also read alone, for polling.
//
// UNAVAILABLE, naming the server, when the connection cannot be made. The
// reader reconnects once per call if the connection was lost. Not
// thread-safe (one libpq connection).
absl::StatusOr<std::unique_ptr<RowReader>> ConnectPgRowReader(const std::string& dsn,
                                                              size_t sessions_per_query = 64);

}  // namespace ingest::loadgen
