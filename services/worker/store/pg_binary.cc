#include "services/worker/store/pg_binary.h"

#include <cstdlib>

namespace ingest {
namespace {

// The binary COPY header: signature, flags (no OIDs), header extension length.
constexpr char kSignature[] = "PGCOPY\n\377\r\n";  // 11 bytes with the implicit NUL
// PostgreSQL counts timestamps in microseconds from 2000-01-01 00:00 UTC.
constexpr int64_t kPostgresEpochUnixMicros = 946'684'800'000'000;

}  // namespace

BinaryCopyWriter::BinaryCopyWriter() {
  buffer_.append(kSignature, sizeof(kSignature));
  AppendBigEndian(0, 4);
  AppendBigEndian(0, 4);
}

void BinaryCopyWriter::BeginRow(int16_t fields) {
  ++rows_;
  AppendBigEndian(static_cast<uint16_t>(fields), 2);
}

void BinaryCopyWriter::AddInt16(int16_t value) {
  AppendBigEndian(2, 4);
  AppendBigEndian(static_cast<uint16_t>(value), 2);
}

void BinaryCopyWriter::AddInt32(int32_t value) {
  AppendBigEndian(4, 4);
  AppendBigEndian(static_cast<uint32_t>(value), 4);
}

void BinaryCopyWriter::AddInt64(int64_t value) {
  AppendBigEndian(8, 4);
  AppendBigEndian(static_cast<uint64_t>(value), 8);
}

void BinaryCopyWriter::AddBool(bool value) {
  AppendBigEndian(1, 4);
  buffer_.push_back(value ? 1 : 0);
}

void BinaryCopyWriter::AddBytes(absl::string_view bytes) {
  AppendBigEndian(bytes.size(), 4);
  buffer_.append(bytes.data(), bytes.size());
}

void BinaryCopyWriter::AddTimestamp(absl::Time time) {
  AddInt64(absl::ToUnixMicros(time) - kPostgresEpochUnixMicros);
}

std::string BinaryCopyWriter::Finish() {
  AppendBigEndian(0xffff, 2);  // the file trailer: a field count of -1
  return std::move(buffer_);
}

void BinaryCopyWriter::AppendBigEndian(uint64_t value, int bytes) {
  for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8) {
    buffer_.push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

int64_t BinaryValueInt(const PGresult* result, int row, int column) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(PQgetvalue(result, row, column));
  const int length = PQgetlength(result, row, column);
  uint64_t value = 0;
  for (int i = 0; i < length; ++i) value = (value << 8) | bytes[i];
  // Sign-extend int2/int4 values.
  const int unused_bits = 64 - 8 * length;
  if (unused_bits <= 0) return static_cast<int64_t>(value);
  return static_cast<int64_t>(value << unused_bits) >> unused_bits;
}

absl::string_view BinaryValueBytes(const PGresult* result, int row, int column) {
  return absl::string_view(PQgetvalue(result, row, column),
                           static_cast<size_t>(PQgetlength(result, row, column)));
}

}  // namespace ingest
