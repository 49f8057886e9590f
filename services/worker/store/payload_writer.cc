#include "services/worker/store/payload_writer.h"

#include <algorithm>
#include <cstdlib>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/codec/task_codec.h"
#include "services/common/pg/pg_text_array.h"
#include "services/worker/store/pg_binary.h"
#include "services/worker/store/stored_payload.h"

namespace ingest {
namespace {

// ON COMMIT DELETE ROWS empties it at every commit; a rollback discards its
// rows as well, so each transaction starts with an empty stage.
constexpr char kCreateStage[] = R"sql(
CREATE TEMP TABLE IF NOT EXISTS payload_stage (
  ord               integer NOT NULL,
  replaces_stored   boolean NOT NULL,
  session_id        text NOT NULL,
  payload_id        bigint NOT NULL,
  chunk_index       integer NOT NULL,
  content_encoding  smallint NOT NULL,
  raw_size          bigint NOT NULL,
  storage_encoding  smallint NOT NULL,
  data              bytea NOT NULL,
  data_sha256       bytea NOT NULL,
  is_beacon         boolean NOT NULL,
  received_at       timestamptz NOT NULL,
  kafka_partition   integer NOT NULL,
  kafka_offset      bigint NOT NULL
) ON COMMIT DELETE ROWS;
-- Like session_payloads.data: the bytes are zstd already, and letting
-- PostgreSQL try pglz on them cost half its CPU in ./dev bench worker.
ALTER TABLE payload_stage ALTER COLUMN data SET STORAGE EXTERNAL
)sql";
constexpr int16_t kStageColumns = 14;

constexpr char kCopyStage[] = "COPY payload_stage FROM STDIN (FORMAT binary)";

// Rows written before schema v3 have no data_sha256; raw ones are hashed on
// the spot (only for the keys this call collides with).
constexpr char kLockStoredVersions[] = R"sql(
SELECT p.session_id, p.payload_id, p.chunk_index,
       encode(coalesce(p.data_sha256,
                       CASE WHEN p.storage_encoding = 0 THEN sha256(p.data) END), 'hex'),
       p.kafka_partition, p.kafka_offset
FROM session_payloads p
JOIN unnest($1::text[], $2::bigint[], $3::integer[]) AS k(session_id, payload_id, chunk_index)
  ON p.session_id = k.session_id AND p.payload_id = k.payload_id
 AND p.chunk_index = k.chunk_index
FOR UPDATE OF p
)sql";

// ORDER BY ord keeps persisted_seq in record order (the verifier proves
// per-session order with it).
constexpr char kInsertNew[] = R"sql(
WITH inserted AS (
  INSERT INTO session_payloads (session_id, payload_id, chunk_index, content_encoding, raw_size,
                                storage_encoding, data, data_sha256, is_beacon, received_at,
                                kafka_partition, kafka_offset)
  SELECT session_id, payload_id, chunk_index, content_encoding, raw_size, storage_encoding, data,
         data_sha256, is_beacon, received_at, kafka_partition, kafka_offset
  FROM payload_stage WHERE NOT replaces_stored ORDER BY ord
  ON CONFLICT (session_id, payload_id, chunk_index) DO NOTHING
  RETURNING session_id, payload_id, chunk_index)
SELECT s.ord FROM inserted i JOIN payload_stage s USING (session_id, payload_id, chunk_index)
)sql";

// Older records never overwrite newer ones, and a chunk written from another
// partition (a session that moved) is left alone.
constexpr char kReplaceChunks[] = R"sql(
UPDATE session_payloads AS p SET
  content_encoding = s.content_encoding, raw_size = s.raw_size,
  storage_encoding = s.storage_encoding, data = s.data, data_sha256 = s.data_sha256,
  is_beacon = s.is_beacon, received_at = s.received_at, kafka_offset = s.kafka_offset,
  persisted_at = now()
FROM payload_stage s
WHERE s.replaces_stored AND p.session_id = s.session_id AND p.payload_id = s.payload_id
  AND p.chunk_index = s.chunk_index AND p.kafka_partition = s.kafka_partition
  AND p.kafka_offset < s.kafka_offset
RETURNING s.ord
)sql";

constexpr char kDropChunksBeyond[] = R"sql(
DELETE FROM session_payloads WHERE session_id = $1 AND payload_id = $2::bigint
  AND chunk_index >= $3::integer
)sql";

absl::StatusOr<StoredVersions> LockStoredVersions(PgConnection& db,
                                                  absl::Span<const PayloadRecord> records) {
  std::vector<std::string> sessions;
  std::vector<uint64_t> payload_ids;
  std::vector<uint32_t> chunks;
  for (const PayloadRecord& record : records) {
    sessions.push_back(record.record->task.session_id());
    payload_ids.push_back(record.record->task.payload_id());
    chunks.push_back(record.record->task.chunk_index());
  }
  absl::StatusOr<PgResult> result = db.Query(
      kLockStoredVersions,
      {PgParam::Text(ToPgTextArray(sessions)),
       PgParam::Text(absl::StrCat("{", absl::StrJoin(payload_ids, ","), "}")),
       PgParam::Text(absl::StrCat("{", absl::StrJoin(chunks, ","), "}"))});
  if (!result.ok()) return result.status();
  StoredVersions stored;
  const PGresult* rows = result->get();
  for (int row = 0; row < PQntuples(rows); ++row) {
    PayloadKey key{PQgetvalue(rows, row, 0),
                   std::strtoull(PQgetvalue(rows, row, 1), nullptr, 10),
                   static_cast<uint32_t>(std::strtoul(PQgetvalue(rows, row, 2), nullptr, 10))};
    stored[std::move(key)] = {absl::HexStringToBytes(PQgetvalue(rows, row, 3)),
                              std::atoi(PQgetvalue(rows, row, 4)),
                              std::atoll(PQgetvalue(rows, row, 5))};
  }
  return stored;
}

// The COPY input for the staged rows; compresses each row's bytes.
std::string StageRows(absl::Span<const PayloadRecord> records,
                      const std::vector<StagedPayload>& staged) {
  BinaryCopyWriter writer;
  for (size_t ord = 0; ord < staged.size(); ++ord) {
    const PayloadRecord& record = records[staged[ord].record];
    const v1::Task& task = record.record->task;
    const std::string raw = StoredBytesOf(task);
    writer.BeginRow(kStageColumns);
    writer.AddInt32(static_cast<int32_t>(ord));
    writer.AddBool(staged[ord].replaces_stored);
    writer.AddBytes(task.session_id());
    writer.AddInt64(static_cast<int64_t>(task.payload_id()));
    writer.AddInt32(static_cast<int32_t>(task.chunk_index()));
    writer.AddInt16(static_cast<int16_t>(task.payload().content_encoding()));
    writer.AddInt64(static_cast<int64_t>(raw.size()));
    writer.AddInt16(static_cast<int16_t>(StorageEncoding::kZstd));
    writer.AddBytes(EncodeStoredData(raw));
    writer.AddBytes(record.sha256);
    writer.AddBool(task.payload().is_beacon());
    writer.AddTimestamp(ReceivedAt(task));
    writer.AddInt32(record.partition);
    writer.AddInt64(record.record->offset);
  }
  return writer.Finish();
}

// The staged records (by ord) a statement returned.
std::vector<size_t> ReturnedRecords(const PGresult* rows, const std::vector<StagedPayload>& staged) {
  std::vector<size_t> records;
  for (int row = 0; row < PQntuples(rows); ++row) {
    records.push_back(staged[std::atoi(PQgetvalue(rows, row, 0))].record);
  }
  std::sort(records.begin(), records.end());
  return records;
}

absl::Status DropChunksBeyond(PgConnection& db, const v1::Task& last_chunk) {
  return db.Query(kDropChunksBeyond,
                  {PgParam::Text(last_chunk.session_id()),
                   PgParam::Int(static_cast<int64_t>(last_chunk.payload_id())),
                   PgParam::Int(last_chunk.chunk_count())})
      .status();
}

}  // namespace

absl::Status CreatePayloadStage(PgConnection& db) { return db.Exec(kCreateStage); }

absl::StatusOr<PayloadWrite> WritePayloads(PgConnection& db,
                                           absl::Span<const PayloadRecord> records) {
  PayloadWrite write;
  if (records.empty()) return write;
  absl::StatusOr<StoredVersions> stored = LockStoredVersions(db, records);
  if (!stored.ok()) return stored.status();
  write.plan = PlanPayloads(records, *stored);
  const std::vector<StagedPayload>& staged = write.plan.staged;
  if (staged.empty()) return write;

  if (absl::Status status = db.CopyIn(kCopyStage, StageRows(records, staged)); !status.ok()) {
    return status;
  }
  absl::StatusOr<PgResult> inserted = db.Query(kInsertNew, {});
  if (!inserted.ok()) return inserted.status();
  write.inserted = ReturnedRecords(inserted->get(), staged);
  write.rows_written = static_cast<int64_t>(write.inserted.size());
  const bool any_replace = std::any_of(staged.begin(), staged.end(),
                                       [](const StagedPayload& s) { return s.replaces_stored; });
  if (any_replace) {
    absl::StatusOr<PgResult> replaced = db.Query(kReplaceChunks, {});
    if (!replaced.ok()) return replaced.status();
    write.rows_written += PQntuples(replaced->get());
  }
  for (size_t end : write.plan.stream_ends) {
    if (absl::Status status = DropChunksBeyond(db, records[end].record->task); !status.ok()) {
      return status;
    }
  }
  return write;
}

}  // namespace ingest
