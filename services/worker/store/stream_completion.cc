#include "services/worker/store/stream_completion.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "services/common/status/status_macros.h"

namespace ingest {
namespace {

constexpr char kChunkSizes[] = R"sql(
SELECT count(*), coalesce(sum(raw_size), 0)::bigint FROM stream_chunks
WHERE session_id = $1 AND payload_id = $2::bigint AND chunk_index < $3::integer
)sql";

// Every chunk row of the payload leaves stream_chunks; those within its
// count become its payload rows, in chunk order.
constexpr char kMoveChunks[] = R"sql(
WITH moved AS (
  DELETE FROM stream_chunks WHERE session_id = $1 AND payload_id = $2::bigint
  RETURNING session_id, payload_id, chunk_index, content_encoding, raw_size, storage_encoding,
            data, data_sha256, is_beacon, received_at, kafka_partition, kafka_offset)
INSERT INTO session_payloads (session_id, payload_id, chunk_index, content_encoding, raw_size,
                              storage_encoding, data, data_sha256, is_beacon, received_at,
                              kafka_partition, kafka_offset, expire_day)
SELECT *, $4::date FROM moved WHERE chunk_index < $3::integer ORDER BY chunk_index
)sql";

// Counted once: a stream completes once (its chunks then conflict or repeat).
constexpr char kRecordStream[] = R"sql(
INSERT INTO payload_streams (session_id, payload_id, chunk_count, raw_size, sha256,
                             kafka_partition, kafka_offset)
VALUES ($1, $2::bigint, $3::integer, $4::bigint, $5, $6::integer, $7::bigint)
ON CONFLICT (session_id, payload_id) DO NOTHING
RETURNING 1
)sql";

constexpr char kForgetLastChunk[] = R"sql(
DELETE FROM stream_chunks
WHERE session_id = $1 AND payload_id = $2::bigint AND chunk_index = $3::integer
)sql";

}  // namespace

absl::StatusOr<StreamVerdict> CompleteStream(PgConnection& db, int32_t partition,
                                             const TaskRecord& last_chunk, ExpireDay expire_day) {
  const v1::Task& task = last_chunk.task;
  const PgParam session = PgParam::Text(task.session_id());
  const PgParam payload_id = PgParam::Int(static_cast<int64_t>(task.payload_id()));
  const PgParam chunk_count = PgParam::Int(task.chunk_count());
  ASSIGN_OR_RETURN(PgResult sizes, db.Query(kChunkSizes, {session, payload_id, chunk_count}));
  const int64_t chunks = std::atoll(PQgetvalue(sizes.get(), 0, 0));
  const int64_t bytes = std::atoll(PQgetvalue(sizes.get(), 0, 1));
  const int64_t total = static_cast<int64_t>(task.payload().total_bytes());

  StreamVerdict verdict;
  verdict.complete = chunks == task.chunk_count() && bytes == total;
  if (!verdict.complete) {
    verdict.detail = absl::StrCat(
        "streamed payload ", task.payload_id(), " of session ", task.session_id(),
        " is incomplete: its last chunk arrived with ", chunks, " of ", task.chunk_count(),
        " chunks holding ", bytes, " of ", total,
        " bytes; it was not counted and its last chunk was not stored");
    absl::Status forgotten =
        db.Query(kForgetLastChunk, {session, payload_id, PgParam::Int(task.chunk_index())})
            .status();
    if (!forgotten.ok()) return forgotten;
    return verdict;
  }
  if (absl::Status moved = db.Query(kMoveChunks, {session, payload_id, chunk_count,
                                                  PgParam::Text(expire_day.ToString())})
                               .status();
      !moved.ok()) {
    return moved;
  }
  ASSIGN_OR_RETURN(
      PgResult recorded,
      db.Query(kRecordStream, {session, payload_id, chunk_count, PgParam::Int(total),
                               PgParam::Bytes(task.payload().sha256()), PgParam::Int(partition),
                               PgParam::Int(last_chunk.offset)}));
  verdict.newly_complete = PQntuples(recorded.get()) > 0;
  return verdict;
}

}  // namespace ingest
