#include "services/worker/store/payload_writer.h"

#include <cstdlib>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/codec/task_codec.h"
#include "services/common/pg/pg_text_array.h"
#include "services/common/status/status_macros.h"
#include "services/worker/store/pg_binary.h"
#include "services/worker/store/stored_payload.h"

namespace ingest {
namespace {

// The columns both COPYs write; session_payloads.persisted_seq takes its
// default, in row order. Payload rows also carry their session's
// expire_day, the partition key; pending chunks (not partitioned) do not.
constexpr char kChunkColumns[] =
    "(session_id, payload_id, chunk_index, content_encoding, raw_size, storage_encoding, data, "
    "data_sha256, is_beacon, received_at, kafka_partition, kafka_offset)";
constexpr int16_t kChunkColumnCount = 12;
constexpr char kPayloadColumns[] =
    "(session_id, payload_id, chunk_index, content_encoding, raw_size, storage_encoding, data, "
    "data_sha256, is_beacon, received_at, kafka_partition, kafka_offset, expire_day)";

// Rows written before schema v3 have no data_sha256; raw ones are hashed on
// the spot (only for the keys this call collides with).
constexpr char kLockStoredPayloads[] = R"sql(
SELECT p.session_id, p.payload_id, p.chunk_index,
       encode(coalesce(p.data_sha256,
                       CASE WHEN p.storage_encoding = 0 THEN sha256(p.data) END), 'hex'),
       p.kafka_partition, p.kafka_offset
FROM session_payloads p
JOIN unnest($1::text[], $2::bigint[], $3::integer[], $4::date[])
  AS k(session_id, payload_id, chunk_index, expire_day)
  ON p.session_id = k.session_id AND p.payload_id = k.payload_id
 AND p.chunk_index = k.chunk_index AND p.expire_day = k.expire_day
FOR UPDATE OF p
)sql";

constexpr char kLockPendingChunks[] = R"sql(
SELECT c.session_id, c.payload_id, c.chunk_index, encode(c.data_sha256, 'hex'),
       c.kafka_partition, c.kafka_offset
FROM stream_chunks c
JOIN unnest($1::text[], $2::bigint[], $3::integer[]) AS k(session_id, payload_id, chunk_index)
  ON c.session_id = k.session_id AND c.payload_id = k.payload_id
 AND c.chunk_index = k.chunk_index
FOR UPDATE OF c
)sql";

constexpr char kDeleteReplacedChunks[] = R"sql(
DELETE FROM stream_chunks c
USING unnest($1::text[], $2::bigint[], $3::integer[]) AS k(session_id, payload_id, chunk_index)
WHERE c.session_id = k.session_id AND c.payload_id = k.payload_id
  AND c.chunk_index = k.chunk_index
)sql";

// The keys of `records` as the array parameters the statements join on:
// session, payload id, chunk, and (with_day) the session's expire_day.
std::vector<PgParam> KeyArrays(const std::vector<const PayloadRecord*>& records,
                               bool with_day = false) {
  std::vector<std::string> sessions;
  std::vector<uint64_t> payload_ids;
  std::vector<uint32_t> chunks;
  std::vector<std::string> days;
  for (const PayloadRecord* record : records) {
    sessions.push_back(record->record->task.session_id());
    payload_ids.push_back(record->record->task.payload_id());
    chunks.push_back(record->record->task.chunk_index());
    days.push_back(record->expire_day.ToString());
  }
  std::vector<PgParam> params = {
      PgParam::Text(ToPgTextArray(sessions)),
      PgParam::Text(absl::StrCat("{", absl::StrJoin(payload_ids, ","), "}")),
      PgParam::Text(absl::StrCat("{", absl::StrJoin(chunks, ","), "}"))};
  if (with_day) params.push_back(PgParam::Text(ToPgTextArray(days)));
  return params;
}

absl::Status ReadVersions(PgConnection& db, const char* sql,
                          const std::vector<const PayloadRecord*>& keys, bool pending,
                          StoredVersions* stored) {
  if (keys.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(PgResult result, db.Query(sql, KeyArrays(keys, /*with_day=*/!pending)));
  const PGresult* rows = result.get();
  for (int row = 0; row < PQntuples(rows); ++row) {
    PayloadKey key{PQgetvalue(rows, row, 0),
                   std::strtoull(PQgetvalue(rows, row, 1), nullptr, 10),
                   static_cast<uint32_t>(std::strtoul(PQgetvalue(rows, row, 2), nullptr, 10))};
    (*stored)[std::move(key)] = {absl::HexStringToBytes(PQgetvalue(rows, row, 3)),
                                 std::atoi(PQgetvalue(rows, row, 4)),
                                 std::atoll(PQgetvalue(rows, row, 5)), pending};
  }
  return absl::OkStatus();
}

// Both tables' versions of the call's keys, locked. A key is in at most one:
// a stream's chunks leave stream_chunks when it completes.
absl::StatusOr<StoredVersions> LockStoredVersions(PgConnection& db,
                                                  absl::Span<const PayloadRecord> records) {
  std::vector<const PayloadRecord*> all;
  std::vector<const PayloadRecord*> chunks;
  for (const PayloadRecord& record : records) {
    all.push_back(&record);
    if (IsStreamedChunk(record.record->task)) chunks.push_back(&record);
  }
  StoredVersions stored;
  if (absl::Status status = ReadVersions(db, kLockStoredPayloads, all, false, &stored);
      !status.ok()) {
    return status;
  }
  if (absl::Status status = ReadVersions(db, kLockPendingChunks, chunks, true, &stored);
      !status.ok()) {
    return status;
  }
  return stored;
}

// A row of stream_chunks, or (with_day) of session_payloads.
void AddRow(const PayloadRecord& record, BinaryCopyWriter& writer, bool with_day) {
  const v1::Task& task = record.record->task;
  writer.BeginRow(with_day ? kChunkColumnCount + 1 : kChunkColumnCount);
  writer.AddBytes(task.session_id());
  writer.AddInt64(static_cast<int64_t>(task.payload_id()));
  writer.AddInt32(static_cast<int32_t>(task.chunk_index()));
  writer.AddInt16(static_cast<int16_t>(task.payload().content_encoding()));
  writer.AddInt64(record.stored.raw_size());
  writer.AddInt16(static_cast<int16_t>(record.stored.encoding()));
  writer.AddBytes(record.stored.data());
  writer.AddBytes(record.stored.sha256());
  writer.AddBool(task.payload().is_beacon());
  writer.AddTimestamp(ReceivedAt(task));
  writer.AddInt32(record.partition);
  writer.AddInt64(record.record->offset);
  if (with_day) writer.AddInt32(record.expire_day.PgBinaryDays());
}

absl::Status CopyRows(PgConnection& db, const char* table, const char* columns,
                      BinaryCopyWriter& writer) {
  if (writer.rows() == 0) return absl::OkStatus();
  return db.CopyIn(absl::StrCat("COPY ", table, " ", columns, " FROM STDIN (FORMAT binary)"),
                   writer.Finish());
}

// Step 3: resent chunks replace their pending rows; new chunks join them.
absl::Status WriteChunks(PgConnection& db, absl::Span<const PayloadRecord> records,
                         const std::vector<StagedPayload>& staged, int64_t* rows_written) {
  std::vector<const PayloadRecord*> replaced;
  BinaryCopyWriter writer;
  for (const StagedPayload& entry : staged) {
    const PayloadRecord& record = records[entry.record];
    if (!IsStreamedChunk(record.record->task)) continue;
    if (entry.replaces_stored) replaced.push_back(&record);
    AddRow(record, writer, /*with_day=*/false);
  }
  if (!replaced.empty()) {
    absl::Status status = db.Query(kDeleteReplacedChunks, KeyArrays(replaced)).status();
    if (!status.ok()) return status;
  }
  *rows_written += writer.rows();
  return CopyRows(db, "stream_chunks", kChunkColumns, writer);
}

}  // namespace

absl::StatusOr<PayloadWrite> WritePayloads(PgConnection& db,
                                           absl::Span<const PayloadRecord> records,
                                           PhaseClock* phases) {
  PayloadWrite write;
  if (records.empty()) return write;
  ASSIGN_OR_RETURN(StoredVersions stored, LockStoredVersions(db, records));
  write.plan = PlanPayloads(records, stored);
  phases->Lap("lock");
  const std::vector<StagedPayload>& staged = write.plan.staged;
  if (staged.empty()) return write;
  if (absl::Status status = WriteChunks(db, records, staged, &write.rows_written); !status.ok()) {
    return status;
  }
  phases->Lap("chunks");

  // Step 4, in record order: whole payloads are copied in runs, each stream
  // completed between the runs where its last chunk stands.
  std::vector<bool> is_stream_end(records.size(), false);
  for (size_t end : write.plan.stream_ends) is_stream_end[end] = true;
  std::vector<bool> is_staged_whole(records.size(), false);
  for (const StagedPayload& entry : staged) {
    if (!IsStreamedChunk(records[entry.record].record->task)) is_staged_whole[entry.record] = true;
  }
  BinaryCopyWriter writer;
  for (size_t i = 0; i < records.size(); ++i) {
    if (is_staged_whole[i]) {
      AddRow(records[i], writer, /*with_day=*/true);
      write.inserted.push_back(i);
    } else if (is_stream_end[i]) {
      write.rows_written += writer.rows();
      if (absl::Status status = CopyRows(db, "session_payloads", kPayloadColumns, writer);
          !status.ok()) {
        return status;
      }
      writer = BinaryCopyWriter();
      ASSIGN_OR_RETURN(
          StreamVerdict verdict,
          CompleteStream(db, records[i].partition, *records[i].record, records[i].expire_day));
      write.stream_verdicts.push_back(std::move(verdict));
    }
  }
  write.rows_written += writer.rows();
  if (absl::Status status = CopyRows(db, "session_payloads", kPayloadColumns, writer);
      !status.ok()) {
    return status;
  }
  phases->Lap("payloads");
  return write;
}

}  // namespace ingest
