#pragma once

// A connection for one short piece of work (an operator's request): opened
// for it and closed after, connecting and every statement bounded by one
// timeout, so a database that does not answer fails the request instead of
// holding it.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/pg/connection.h"

namespace ingest {

enum class PgAccess { kReadWrite, kReadOnly };

// Connects with `dsn` within `timeout` and sets statement_timeout to it;
// with kReadOnly, transactions default to read-only. UNAVAILABLE naming
// `what` (e.g. "the worker's offsets") when the connection fails.
absl::StatusOr<std::unique_ptr<PgConnection>> ConnectBounded(
    const std::string& dsn, absl::Duration timeout, absl::string_view what,
    PgAccess access = PgAccess::kReadWrite);

}  // namespace ingest
