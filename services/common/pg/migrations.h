#pragma once

// Schema migrations for the worker's tables.
//
// Applied in version order, each in its own transaction, under a PostgreSQL
// advisory lock so replicas starting together never race; a short
// lock_timeout keeps a migration from queueing behind long table locks
// forever (it fails with a clear error and the caller retries).

#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/common/pg/connection.h"

namespace ingest {

// The newest schema version this build knows.
int LatestSchemaVersion();

// Brings the database to LatestSchemaVersion(). Idempotent. When
// `applied_versions` is given, it receives the versions this call applied,
// in order (empty when the schema was already current), also on failure.
absl::Status ApplyMigrations(PgConnection& connection, absl::Duration lock_timeout,
                             std::vector<int>* applied_versions = nullptr);

// The same up to `version` only: for tests of a migration against data an
// earlier schema holds.
absl::Status ApplyMigrationsThrough(PgConnection& connection, int version,
                                    absl::Duration lock_timeout);

}  // namespace ingest
