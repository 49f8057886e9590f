#pragma once

// Did PostgreSQL get every acknowledged payload exactly once? After a run's
// load has drained, each session the run created must have exactly as many
// payloads stored as the gateway acknowledged: payload ids 1..acked, each
// once, and the worker's own counters agreeing (a replay after a crash must
// not count twice).

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "services/common/pg/connection.h"

namespace ingest::bench_e2e {

// What the workers stored for one session.
struct StoredSession {
  int64_t payloads = 0;           // session_payloads rows with chunk_index 0
  int64_t distinct_payloads = 0;  // distinct payload_id among them
  int64_t max_payload_id = 0;
  int64_t payload_count = 0;      // sessions.payload_count
  int64_t payload_id_gaps = 0;    // sessions.payload_id_gaps
};

struct ExactlyOnceReport {
  int64_t sessions = 0;
  int64_t acked = 0;   // payloads the gateway acknowledged, all sessions
  int64_t stored = 0;  // distinct payloads stored for them
  std::vector<std::string> problems;  // the first few, one per session

  bool ok() const { return problems.empty(); }
};

// Compares acknowledged payloads per session (ids 1..n) with what is stored.
// A session missing from `stored` has nothing stored.
ExactlyOnceReport CheckExactlyOnce(const std::map<std::string, int64_t>& acked,
                                   const std::map<std::string, StoredSession>& stored);

// Reads what is stored for `session_ids` (one query per table).
absl::StatusOr<std::map<std::string, StoredSession>> ReadStoredSessions(
    PgConnection& db, absl::Span<const std::string> session_ids);

}  // namespace ingest::bench_e2e
