#pragma once

// PostgreSQL's binary wire formats, for bulk writes and byte-exact reads:
// BinaryCopyWriter builds the input of `COPY ... FROM STDIN (FORMAT binary)`
// (no text escaping of payload bytes, no per-row statement), and the
// BinaryValue* readers parse a result fetched with PgFormat::kBinary.
// Not thread-safe; one writer per COPY.

#include <libpq-fe.h>

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace ingest {

class BinaryCopyWriter {
 public:
  BinaryCopyWriter();

  // Starts a row of `fields` values; exactly that many Add* calls follow.
  void BeginRow(int16_t fields);
  void AddInt16(int16_t value);
  void AddInt32(int32_t value);
  void AddInt64(int64_t value);
  void AddBool(bool value);
  // text and bytea share the format: the bytes themselves.
  void AddBytes(absl::string_view bytes);
  void AddTimestamp(absl::Time time);

  // The COPY input, trailer included; the writer is spent.
  std::string Finish();

  int64_t rows() const { return rows_; }

 private:
  void AppendBigEndian(uint64_t value, int bytes);

  std::string buffer_;
  int64_t rows_ = 0;
};

// A non-null integer column (int2, int4 or int8) of a binary result.
int64_t BinaryValueInt(const PGresult* result, int row, int column);

// A bytea or text column of a binary result, borrowed from `result`.
absl::string_view BinaryValueBytes(const PGresult* result, int row, int column);

}  // namespace ingest
