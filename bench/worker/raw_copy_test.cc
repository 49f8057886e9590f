#include "bench/worker/raw_copy.h"

#include <cstddef>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ingest::bench_worker {
namespace {

// The binary COPY header: 11-byte signature, flags, header extension length.
constexpr size_t kCopyHeaderBytes = 11 + 4 + 4;

std::string BigEndian(uint64_t value, int bytes) {
  std::string out;
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>(value >> (8 * i)));
  return out;
}

// A field of a binary COPY row: its length (4 bytes), then its bytes.
std::string Field(const std::string& bytes) { return BigEndian(bytes.size(), 4) + bytes; }

TEST(RawCopyTest, SqlNamesTheWorkersColumns) {
  EXPECT_EQ(CopySql("t"),
            "COPY t (session_id, payload_id, chunk_index, content_encoding, raw_size, "
            "storage_encoding, data, data_sha256, is_beacon, received_at, kafka_partition, "
            "kafka_offset) FROM STDIN (FORMAT binary)");
}

TEST(RawCopyTest, RowHoldsTheStoredFormAndThePosition) {
  v1::Payload stored;
  stored.set_stored_data("zz");
  stored.set_storage_encoding(v1::STORAGE_ENCODING_ZSTD);
  stored.set_raw_size(5);
  stored.set_raw_sha256(std::string(32, 'h'));
  BinaryCopyWriter buffer;
  AppendPayloadRow({.session_id = "s",
                    .payload_id = 7,
                    .stored = &stored,
                    .position = {.partition = 3, .offset = 9}},
                   buffer);
  const std::string row = buffer.Finish().substr(kCopyHeaderBytes);
  const std::string head = std::string("\0\x0c", 2) +                  // 12 fields
                           Field("s") + Field(BigEndian(7, 8)) +       // session_id, payload_id
                           Field(BigEndian(0, 4)) +                    // chunk_index
                           Field(BigEndian(0, 2)) +                    // content_encoding: identity
                           Field(BigEndian(5, 8)) +                    // raw_size
                           Field(BigEndian(1, 2)) +                    // storage_encoding: zstd
                           Field("zz") + Field(std::string(32, 'h'));  // data, data_sha256
  EXPECT_EQ(row.substr(0, head.size()), head);
  // ... is_beacon and received_at, then the Kafka position and the trailer.
  const std::string tail = Field(BigEndian(3, 4)) + Field(BigEndian(9, 8)) + "\377\377";
  EXPECT_EQ(row.substr(row.size() - tail.size()), tail);
}

}  // namespace
}  // namespace ingest::bench_worker
