#pragma once

// RetentionDatabase: what EraseSessions and EnforceRetention change in the
// worker's PostgreSQL, through the retention libraries
// (services/common/retention: session_eraser.h, retention_enforcer.h), and
// when retention last succeeded (retention_runs). An interface so the core
// is tested without PostgreSQL (fake_retention_database.h).

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/retention/retention_enforcer.h"
#include "services/common/retention/session_eraser.h"

namespace ingest {

class RetentionDatabase {
 public:
  virtual ~RetentionDatabase() = default;

  // ingest::EraseSessions: one transaction. INVALID_ARGUMENT for a request
  // naming neither sessions nor a user; UNAVAILABLE when the database does
  // not answer.
  virtual absl::StatusOr<ErasureResult> Erase(const ErasureRequest& request) = 0;

  // ingest::EnforceRetention, on a connection of its own (its batches and
  // drops never wait behind, or hold up, another call's connection).
  virtual absl::StatusOr<EnforcementReport> Enforce(const EnforcementOptions& options) = 0;

  // When the last retention run that was not a dry run finished
  // (max(retention_runs.finished_at)); nullopt when none did.
  // UNAVAILABLE when the database does not answer; FAILED_PRECONDITION
  // before schema v9 (no retention_runs).
  virtual absl::StatusOr<std::optional<absl::Time>> LastEnforcement() = 0;
};

// Over libpq: one connection per call, opened for it and closed after;
// connecting and each statement bounded by `timeout` (statement_timeout:
// enforcement's batches and drops are each short; the drops also wait at
// most their lock_timeout). Thread-safe.
std::unique_ptr<RetentionDatabase> CreatePgRetentionDatabase(std::string dsn,
                                                             absl::Duration timeout);

}  // namespace ingest
