#pragma once

// SessionDatabase: what the worker's PostgreSQL tables hold of one session
// (GetSession). Read-only. An interface so the core is tested without
// PostgreSQL.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ingest {

// At most this many gap ranges are reported (the lowest ones).
inline constexpr int kMaxReportedGaps = 100;

struct SessionFacts {
  std::string project_id;  // sessions, else quarantined_sessions; may be empty
  // Rows in sessions or session_payloads.
  bool has_rows = false;
  // quarantined_sessions (any topic; the earliest quarantine).
  bool quarantined = false;
  std::string quarantine_reason;
  absl::Time quarantined_at = absl::UnixEpoch();
  // The redrive under way (quarantined_sessions.redrive_id); empty: none.
  std::string redrive_id;
  // From session_payloads: distinct payload ids, the highest, the missing
  // ranges between 1 and the highest (inclusive pairs, ascending, at most
  // kMaxReportedGaps), the stored (possibly compressed) bytes of `data`.
  int64_t payloads = 0;
  uint64_t highest_payload_id = 0;
  std::vector<std::pair<uint64_t, uint64_t>> gaps;
  int64_t stored_bytes = 0;
  // received_at of its payload rows; nullopt without any.
  std::optional<absl::Time> first_received;
  std::optional<absl::Time> last_received;
};

class SessionDatabase {
 public:
  virtual ~SessionDatabase() = default;

  // The facts of `session_id`, or nullopt if no table of the worker
  // (sessions, session_payloads, payload_streams, quarantined_sessions,
  // session_feedback) mentions it. UNAVAILABLE when the database does not
  // answer.
  virtual absl::StatusOr<std::optional<SessionFacts>> ReadSession(
      const std::string& session_id) = 0;
};

// Over libpq: one short connection per call, connecting and the queries
// bounded by `timeout` (statement_timeout). Thread-safe.
std::unique_ptr<SessionDatabase> CreatePgSessionDatabase(std::string dsn, absl::Duration timeout);

}  // namespace ingest
