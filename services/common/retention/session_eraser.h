#pragma once

// Erasure: every row of some sessions goes, for good (README.md).
//
// One transaction: the sessions' locks (session_locks.h), then each table's
// rows of them deleted (payloads in every partition, facts, streams, pending
// chunks, feedback, backend errors, metrics, quarantine, the session row),
// a tombstone per session (erased_sessions: a record of it that arrives
// later is dropped by the worker) and one erasure_audit row. A dry run
// counts the same rows and changes nothing.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/pg/connection.h"

namespace ingest {

struct ErasureRequest {
  // Either sessions by id...
  std::vector<std::string> session_ids;
  // ...or every session a project's identify calls gave this user.
  std::string project_id;
  std::string user_identifier;
  std::string requested_by;  // the operator, for the audit row
  bool dry_run = false;
};

struct ErasedSession {
  std::string session_id;
  std::string project_id;  // empty: the session had no row (a tombstone only)
  int64_t rows = 0;
  int64_t bytes = 0;  // of payload data, as stored
};

struct ErasureResult {
  std::vector<ErasedSession> sessions;
  std::map<std::string, int64_t> rows_by_table;
  int64_t rows = 0;
  int64_t bytes = 0;
  int64_t erasure_id = 0;  // its erasure_audit row; 0 in a dry run
};

// Sessions by id are erased (tombstoned) whether or not they have rows; by
// user, the sessions found are. A request naming neither is
// kInvalidArgument.
absl::StatusOr<ErasureResult> EraseSessions(PgConnection& db, const ErasureRequest& request);

}  // namespace ingest
