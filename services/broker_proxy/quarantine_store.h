#pragma once

// QuarantineStore: the worker's quarantined_sessions rows, as RedriveSession
// and ReplaySession need them: read one session's quarantine, and mark it
// with a redrive's id (the worker processes a quarantined session's
// redriven records only when their redrive.id header matches). An interface
// so the core is tested without PostgreSQL.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ingest {

// One row of quarantined_sessions (schema_v3.sql, schema_v4.sql).
struct Quarantine {
  int32_t partition = -1;     // kafka_partition: where the session's records are
  int64_t first_offset = -1;  // the record that quarantined it
  std::string reason;
  std::string redrive_id;  // empty: no redrive under way (NULL)
};

// A session's erased_sessions tombstone (schema_v9.sql).
struct SessionErasure {
  int64_t erasure_id = 0;  // its erasure_audit row
  absl::Time erased_at;
};

// "session S was erased (erasure N at 2026-12-01T10:00:00+00:00)".
std::string ErasedSessionText(const std::string& session_id, const SessionErasure& erasure);

class QuarantineStore {
 public:
  virtual ~QuarantineStore() = default;

  // The quarantine of `session_id` in `topic`, or nullopt if it is not
  // quarantined there. UNAVAILABLE when the database does not answer.
  virtual absl::StatusOr<std::optional<Quarantine>> ReadQuarantine(
      const std::string& topic, const std::string& session_id) = 0;

  // The erasure of `session_id`, or nullopt if it was never erased (or the
  // database predates schema v9). A redrive of an erased session is
  // refused: the worker would drop every record of it. UNAVAILABLE when the
  // database does not answer.
  virtual absl::StatusOr<std::optional<SessionErasure>> ReadErasure(
      const std::string& session_id) = 0;

  // Sets redrive_id = `redrive_id` on the quarantine of (`topic`,
  // `session_id`) if it is still the one that began at `first_offset`.
  // True if a row was marked; false if there is no such row any more (it
  // was lifted, or the session was quarantined anew). UNAVAILABLE when the
  // database does not answer.
  virtual absl::StatusOr<bool> MarkRedrive(const std::string& topic,
                                           const std::string& session_id, int64_t first_offset,
                                           const std::string& redrive_id) = 0;
};

// Over libpq: one short connection per call, connecting and the statement
// bounded by `timeout` (statement_timeout). Thread-safe.
std::unique_ptr<QuarantineStore> CreatePgQuarantineStore(std::string dsn, absl::Duration timeout);

}  // namespace ingest
