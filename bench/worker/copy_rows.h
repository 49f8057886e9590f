#pragma once

// The rows of the raw COPY baseline, in PostgreSQL's binary COPY format
// (written with the worker store's BinaryCopyWriter).
//
// The baseline writes what the worker writes for a whole payload: the same
// session_payloads columns and values, with `data` stored the way the
// worker's schema stores it. The layout follows the table's columns: once
// the schema has `storage_encoding` (migration 3), `data` is zstd-compressed
// (EncodeStoredData) and `storage_encoding` / `data_sha256` are filled;
// before, `data` is the serialized PayloadContent as it is.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/worker/store/pg_binary.h"
#include "services/worker/store/stored_payload.h"

namespace ingest::bench_worker {

// How the baseline stores `data`: as the worker's schema does (StorageEncoding
// from services/worker/store/stored_payload.h). "zstd" or "identity".
absl::string_view StorageName(StorageEncoding storage);

// One session_payloads row.
struct PayloadRow {
  absl::string_view session_id;
  int64_t payload_id = 0;
  int32_t chunk_index = 0;
  int16_t content_encoding = 0;
  int64_t raw_size = 0;     // uncompressed bytes
  absl::string_view data;   // as stored (compressed for kZstd)
  absl::string_view data_sha256;  // 32 bytes, of the uncompressed data
  bool is_beacon = false;
  absl::Time received_at;
  int32_t kafka_partition = 0;
  int64_t kafka_offset = 0;
};

// The columns the baseline writes and how, chosen from the table's columns
// (name -> information_schema data_type).
class CopyLayout {
 public:
  // INVALID_ARGUMENT when a column the worker writes is missing or has a type
  // this writer does not know.
  static absl::StatusOr<CopyLayout> ForColumns(const std::map<std::string, std::string>& types);

  StorageEncoding storage() const { return storage_; }
  const std::vector<std::string>& columns() const { return columns_; }

  // COPY <table> (<columns>) FROM STDIN (FORMAT binary)
  std::string CopySql(absl::string_view table) const;

  void AppendRow(const PayloadRow& row, BinaryCopyWriter& out) const;

 private:
  enum class Kind { kText, kInt16, kInt32, kInt64, kBool, kTimestamp };
  struct Column {
    std::string name;
    Kind kind;
  };

  StorageEncoding storage_ = StorageEncoding::kRaw;
  std::vector<std::string> columns_;
  std::vector<Column> layout_;
};

}  // namespace ingest::bench_worker
