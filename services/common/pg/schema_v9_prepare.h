#pragma once

// Migration 9's first half (schema_v9.sql is the second): everything that
// reads a whole table, done without holding a lock ingest waits on.
//
// Each statement commits on its own, so a crash leaves nothing half-done
// that a rerun cannot finish: columns are added with IF NOT EXISTS, an
// index a failed CREATE INDEX CONCURRENTLY left invalid is dropped and
// built again, a CHECK already validated is validated again for free.

#include "absl/status/status.h"
#include "services/common/pg/connection.h"

namespace ingest {

// Adds expire_day = 'infinity' (a constant default: no table rewrite) to the
// tables retention reads, proves with validated CHECKs that every row of
// session_payloads and payload_facts has it, and builds the indexes
// partitioning and erasure need, CONCURRENTLY. Runs under the caller's
// lock_timeout, except the concurrent builds, which wait as long as the
// transactions before them last (they block no writer meanwhile).
absl::Status PrepareSchemaV9(PgConnection& db);

}  // namespace ingest
