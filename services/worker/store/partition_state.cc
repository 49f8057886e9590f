#include "services/worker/store/partition_state.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/status/status_macros.h"

namespace ingest {
namespace {

constexpr char kLoadOffsets[] = R"sql(
SELECT partition, next_offset FROM consumer_offsets
WHERE topic = $1 AND partition = ANY($2::integer[])
)sql";

constexpr char kStoreOffset[] = R"sql(
INSERT INTO consumer_offsets AS o (topic, partition, next_offset)
VALUES ($1, $2::integer, $3::bigint)
ON CONFLICT (topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset, updated_at = now()
WHERE o.next_offset < EXCLUDED.next_offset
)sql";

constexpr char kLoadQuarantined[] = R"sql(
SELECT session_id FROM quarantined_sessions
WHERE topic = $1 AND kafka_partition = ANY($2::integer[])
)sql";

// A quarantine whose redrive was under way restarts at the new poison record:
// the next redrive carries the records from there.
constexpr char kQuarantine[] = R"sql(
INSERT INTO quarantined_sessions (topic, session_id, project_id, kafka_partition, first_offset,
                                  reason, detail)
VALUES ($1, $2, nullif($3, ''), $4::integer, $5::bigint, $6, $7)
ON CONFLICT (topic, session_id) DO UPDATE
  SET kafka_partition = EXCLUDED.kafka_partition, first_offset = EXCLUDED.first_offset,
      reason = EXCLUDED.reason, detail = EXCLUDED.detail, quarantined_at = now(),
      redrive_id = NULL, followed_through = NULL
  WHERE quarantined_sessions.redrive_id IS NOT NULL
)sql";

constexpr char kLoadQuarantine[] = R"sql(
SELECT coalesce(redrive_id, ''), coalesce(followed_through, -1) FROM quarantined_sessions
WHERE topic = $1 AND session_id = $2
)sql";

constexpr char kNoteFollowedThrough[] = R"sql(
UPDATE quarantined_sessions SET followed_through = greatest(followed_through, $3::bigint)
WHERE topic = $1 AND session_id = $2
)sql";

constexpr char kLiftQuarantine[] = R"sql(
DELETE FROM quarantined_sessions WHERE topic = $1 AND session_id = $2
)sql";

PgParam PartitionsParam(const std::vector<int32_t>& partitions) {
  return PgParam::Text(absl::StrCat("{", absl::StrJoin(partitions, ","), "}"));
}

}  // namespace

absl::StatusOr<PartitionOffsets> LoadNextOffsets(PgConnection& db, const std::string& topic,
                                                 const std::vector<int32_t>& partitions) {
  ASSIGN_OR_RETURN(PgResult result,
                   db.Query(kLoadOffsets, {PgParam::Text(topic), PartitionsParam(partitions)}));
  PartitionOffsets offsets;
  for (int row = 0; row < PQntuples(result.get()); ++row) {
    offsets[std::atoi(PQgetvalue(result.get(), row, 0))] =
        std::atoll(PQgetvalue(result.get(), row, 1));
  }
  return offsets;
}

absl::Status StoreNextOffset(PgConnection& db, const std::string& topic, int32_t partition,
                             int64_t next_offset) {
  return db.Query(kStoreOffset,
                  {PgParam::Text(topic), PgParam::Int(partition), PgParam::Int(next_offset)})
      .status();
}

absl::StatusOr<QuarantinedSessions> LoadQuarantinedSessions(
    PgConnection& db, const std::string& topic, const std::vector<int32_t>& partitions) {
  ASSIGN_OR_RETURN(PgResult result,
                   db.Query(kLoadQuarantined, {PgParam::Text(topic), PartitionsParam(partitions)}));
  QuarantinedSessions sessions;
  for (int row = 0; row < PQntuples(result.get()); ++row) {
    sessions.insert(PQgetvalue(result.get(), row, 0));
  }
  return sessions;
}

absl::StatusOr<std::optional<QuarantineRow>> LoadQuarantine(PgConnection& db,
                                                            const std::string& topic,
                                                            const std::string& session_id) {
  ASSIGN_OR_RETURN(PgResult result,
                   db.Query(kLoadQuarantine, {PgParam::Text(topic), PgParam::Text(session_id)}));
  if (PQntuples(result.get()) == 0) return std::optional<QuarantineRow>();
  QuarantineRow row;
  row.redrive_id = PQgetvalue(result.get(), 0, 0);
  row.followed_through = std::atoll(PQgetvalue(result.get(), 0, 1));
  return std::optional<QuarantineRow>(std::move(row));
}

absl::Status NoteFollowedThrough(PgConnection& db, const std::string& topic,
                                 const std::string& session_id, int64_t offset) {
  return db.Query(kNoteFollowedThrough,
                  {PgParam::Text(topic), PgParam::Text(session_id), PgParam::Int(offset)})
      .status();
}

absl::Status LiftQuarantine(PgConnection& db, const std::string& topic,
                            const std::string& session_id) {
  return db.Query(kLiftQuarantine, {PgParam::Text(topic), PgParam::Text(session_id)}).status();
}

absl::Status QuarantineSession(PgConnection& db, const std::string& topic,
                               const DeadLetter& letter) {
  return db.Query(kQuarantine, {PgParam::Text(topic), PgParam::Text(letter.session_id),
                                PgParam::Text(letter.project_id), PgParam::Int(letter.partition),
                                PgParam::Int(letter.offset),
                                PgParam::Text(std::string(DeadLetterReasonName(letter.reason))),
                                PgParam::Text(letter.detail)})
      .status();
}

}  // namespace ingest
