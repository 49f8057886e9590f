#pragma once

// The per-partition state the worker keeps in PostgreSQL next to the rows:
// the next offset to consume (consumer_offsets) and the quarantined sessions
// (quarantined_sessions). Writes run in the caller's transaction.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/common/pg/connection.h"
#include "services/worker/store/task_store.h"

namespace ingest {

absl::StatusOr<PartitionOffsets> LoadNextOffsets(PgConnection& db, const std::string& topic,
                                                 const std::vector<int32_t>& partitions);

// Sets the partition's next offset; never moves it backwards (a stale owner
// cannot undo progress).
absl::Status StoreNextOffset(PgConnection& db, const std::string& topic, int32_t partition,
                             int64_t next_offset);

absl::StatusOr<QuarantinedSessions> LoadQuarantinedSessions(
    PgConnection& db, const std::string& topic, const std::vector<int32_t>& partitions);

absl::StatusOr<std::optional<QuarantineRow>> LoadQuarantine(PgConnection& db,
                                                            const std::string& topic,
                                                            const std::string& session_id);

// Quarantines the letter's session; the first quarantining record stays the
// recorded one, unless a redrive of the session was under way (see
// DeadLetter::quarantines_session).
absl::Status QuarantineSession(PgConnection& db, const std::string& topic,
                               const DeadLetter& letter);

// Notes that the session's records up to `offset` followed its quarantine
// to the DLQ (quarantined_sessions.followed_through only grows).
absl::Status NoteFollowedThrough(PgConnection& db, const std::string& topic,
                                 const std::string& session_id, int64_t offset);

// Deletes the session's quarantine row: its redrive's last record is stored.
absl::Status LiftQuarantine(PgConnection& db, const std::string& topic,
                            const std::string& session_id);

}  // namespace ingest
