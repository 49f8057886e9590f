#include "services/worker/store/partition_state.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

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

constexpr char kQuarantine[] = R"sql(
INSERT INTO quarantined_sessions (topic, session_id, project_id, kafka_partition, first_offset,
                                  reason, detail)
VALUES ($1, $2, nullif($3, ''), $4::integer, $5::bigint, $6, $7)
ON CONFLICT (topic, session_id) DO NOTHING
)sql";

PgParam PartitionsParam(const std::vector<int32_t>& partitions) {
  return PgParam::Text(absl::StrCat("{", absl::StrJoin(partitions, ","), "}"));
}

}  // namespace

absl::StatusOr<PartitionOffsets> LoadNextOffsets(PgConnection& db, const std::string& topic,
                                                 const std::vector<int32_t>& partitions) {
  absl::StatusOr<PgResult> result =
      db.Query(kLoadOffsets, {PgParam::Text(topic), PartitionsParam(partitions)});
  if (!result.ok()) return result.status();
  PartitionOffsets offsets;
  for (int row = 0; row < PQntuples(result->get()); ++row) {
    offsets[std::atoi(PQgetvalue(result->get(), row, 0))] =
        std::atoll(PQgetvalue(result->get(), row, 1));
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
  absl::StatusOr<PgResult> result =
      db.Query(kLoadQuarantined, {PgParam::Text(topic), PartitionsParam(partitions)});
  if (!result.ok()) return result.status();
  QuarantinedSessions sessions;
  for (int row = 0; row < PQntuples(result->get()); ++row) {
    sessions.insert(PQgetvalue(result->get(), row, 0));
  }
  return sessions;
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
