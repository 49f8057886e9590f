#pragma once

// The raw COPY baseline: the rows the worker writes for a phase's records,
// COPYed by one libpq client into kCopyTable (LIKE session_payloads) in
// transactions as large as the worker's. Each row is what the worker writes
// for a whole payload (services/worker/store/payload_writer.cc): the same
// columns and values, `data` in the stored form the gateway built, in
// PostgreSQL's binary COPY format (the worker store's BinaryCopyWriter).

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "bench/worker/options.h"
#include "bench/worker/prefill.h"
#include "bench/worker/report.h"
#include "ingest/v1/task.pb.h"
#include "services/common/pg/connection.h"
#include "services/worker/store/pg_binary.h"

namespace ingest::bench_worker {

inline constexpr char kCopyTable[] = "bench_copy_payloads";

// One session_payloads row of a whole payload.
struct PayloadRow {
  absl::string_view session_id;
  int64_t payload_id = 0;
  const v1::Payload* stored = nullptr;  // content_encoding, is_beacon and the stored form
  absl::Time received_at;
  RecordPosition position;
};

// COPY <table> (<the worker's columns>) FROM STDIN (FORMAT binary)
std::string CopySql(absl::string_view table);

void AppendPayloadRow(const PayloadRow& row, BinaryCopyWriter& out);

// Empties kCopyTable, then COPYs every record of `prefill` into it,
// CopyBatchRows per transaction, timed.
absl::StatusOr<CopyThroughput> MeasureRawCopy(const WorkerBenchOptions& options, PgConnection& db,
                                              const Prefill& prefill, const std::string& label);

}  // namespace ingest::bench_worker
