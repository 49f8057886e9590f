#pragma once

// COPY ... FROM STDIN over libpq, for the raw baseline.
//
// Stand-in until PgConnection gets its own CopyIn (being added in
// services/common/pg): this file is the only place the benchmark talks raw
// libpq, so switching is one call site.

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "services/common/pg/connection.h"

namespace ingest::bench_worker {

// Runs `copy_sql` (a COPY ... FROM STDIN statement) and sends `data` as its
// whole input, in one go. Errors go through the project's libpq mapping.
absl::Status CopyIn(PgConnection& connection, const std::string& copy_sql, absl::string_view data);

}  // namespace ingest::bench_worker
