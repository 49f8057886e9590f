#include "bench/worker/raw_copy.h"

#include <algorithm>
#include <atomic>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/worker/records.h"
#include "bench/worker/report.h"
#include "services/common/status/status_context.h"
#include "services/common/status/status_macros.h"

namespace ingest::bench_worker {
namespace {

// As payload_writer.cc's; persisted_seq takes its default, in row order.
constexpr char kColumns[] =
    "(session_id, payload_id, chunk_index, content_encoding, raw_size, storage_encoding, data, "
    "data_sha256, is_beacon, received_at, kafka_partition, kafka_offset)";
constexpr int16_t kColumnCount = 12;

absl::Status CopyBatch(PgConnection& db, absl::string_view copy_sql, BinaryCopyWriter& rows) {
  RETURN_IF_ERROR(db.Exec("BEGIN"));
  absl::Status status = db.CopyIn(copy_sql, rows.Finish());
  if (status.ok()) status = db.Exec("COMMIT");
  if (!status.ok() && db.IsHealthy()) (void)db.Exec("ROLLBACK");
  return status;
}

}  // namespace

std::string CopySql(absl::string_view table) {
  return absl::StrCat("COPY ", table, " ", kColumns, " FROM STDIN (FORMAT binary)");
}

void AppendPayloadRow(const PayloadRow& row, BinaryCopyWriter& out) {
  const v1::Payload& stored = *row.stored;
  out.BeginRow(kColumnCount);
  out.AddBytes(row.session_id);
  out.AddInt64(row.payload_id);
  out.AddInt32(0);  // chunk_index: a whole payload
  out.AddInt16(static_cast<int16_t>(stored.content_encoding()));
  out.AddInt64(static_cast<int64_t>(stored.raw_size()));
  out.AddInt16(static_cast<int16_t>(stored.storage_encoding()));
  out.AddBytes(stored.stored_data());
  out.AddBytes(stored.raw_sha256());
  out.AddBool(stored.is_beacon());
  out.AddTimestamp(row.received_at);
  out.AddInt32(row.position.partition);
  out.AddInt64(row.position.offset);
}

absl::StatusOr<CopyThroughput> MeasureRawCopy(const WorkerBenchOptions& options, PgConnection& db,
                                              const Prefill& prefill, const std::string& label) {
  RETURN_IF_ERROR(
      WithContext(db.Exec(absl::StrCat("TRUNCATE ", kCopyTable)), "truncate the raw COPY table"));
  const int64_t records = static_cast<int64_t>(prefill.positions.size());
  CopyThroughput result;
  result.rows = records;
  result.storage =
      prefill.bodies.front().storage_encoding() == v1::STORAGE_ENCODING_ZSTD ? "zstd" : "identity";
  result.batch_rows = CopyBatchRows(options, prefill.value_bytes / records);
  const std::string copy_sql = CopySql(kCopyTable);
  std::atomic<int64_t> done{0};
  bench::PhaseProgress progress =
      CountProgress(absl::StrCat(label, " raw COPY, one client"), done, records, "rows");
  const absl::Time start = absl::Now();
  for (int64_t first = 0; first < records; first += result.batch_rows) {
    const int64_t end = std::min<int64_t>(records, first + result.batch_rows);
    BinaryCopyWriter rows;
    for (int64_t i = first; i < end; ++i) {
      const RecordId id = RecordIdOf(i, options.sessions);
      const v1::Payload& body = prefill.bodies[static_cast<size_t>(i) % prefill.bodies.size()];
      AppendPayloadRow({.session_id = prefill.sessions[static_cast<size_t>(id.session_index)],
                        .payload_id = static_cast<int64_t>(id.payload_id),
                        .stored = &body,
                        .received_at = prefill.received_at,
                        .position = prefill.positions[static_cast<size_t>(i)]},
                       rows);
      result.data_bytes += static_cast<int64_t>(body.stored_data().size());
    }
    RETURN_IF_ERROR(WithContext(CopyBatch(db, copy_sql, rows), "raw COPY"));
    ++result.batches;
    done.store(end);
  }
  result.elapsed = absl::Now() - start;
  progress.Finish();
  result.msgs_per_s = Rate(records, result.elapsed);
  return result;
}

}  // namespace ingest::bench_worker
