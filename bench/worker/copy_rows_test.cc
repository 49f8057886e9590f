#include "bench/worker/copy_rows.h"

#include <cstddef>
#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ingest::bench_worker {
namespace {

using ::testing::HasSubstr;

// The binary COPY header: 11-byte signature, flags, header extension length.
constexpr size_t kCopyHeaderBytes = 11 + 4 + 4;

std::map<std::string, std::string> V2Columns() {
  return {{"session_id", "text"},
          {"payload_id", "bigint"},
          {"chunk_index", "integer"},
          {"persisted_seq", "bigint"},
          {"content_encoding", "smallint"},
          {"raw_size", "bigint"},
          {"data", "bytea"},
          {"is_beacon", "boolean"},
          {"received_at", "timestamp with time zone"},
          {"persisted_at", "timestamp with time zone"},
          {"kafka_partition", "integer"},
          {"kafka_offset", "bigint"}};
}

TEST(CopyLayoutTest, BeforeMigration3TheDataIsStoredAsItIs) {
  absl::StatusOr<CopyLayout> layout = CopyLayout::ForColumns(V2Columns());
  ASSERT_TRUE(layout.ok()) << layout.status();
  EXPECT_EQ(layout->storage(), StorageEncoding::kRaw);
  EXPECT_EQ(layout->CopySql("t"),
            "COPY t (session_id, payload_id, chunk_index, content_encoding, raw_size, data, "
            "is_beacon, received_at, kafka_partition, kafka_offset) FROM STDIN (FORMAT binary)");
}

TEST(CopyLayoutTest, WithStorageColumnsTheDataIsZstdAndHashed) {
  std::map<std::string, std::string> columns = V2Columns();
  columns["storage_encoding"] = "smallint";
  columns["data_sha256"] = "bytea";
  absl::StatusOr<CopyLayout> layout = CopyLayout::ForColumns(columns);
  ASSERT_TRUE(layout.ok()) << layout.status();
  EXPECT_EQ(layout->storage(), StorageEncoding::kZstd);
  EXPECT_THAT(layout->CopySql("t"), HasSubstr("kafka_offset, storage_encoding, data_sha256)"));

  BinaryCopyWriter buffer;
  layout->AppendRow({.session_id = "s", .data = "d", .data_sha256 = std::string(32, 'h')},
                    buffer);
  const std::string row = buffer.Finish().substr(kCopyHeaderBytes);
  EXPECT_EQ(row.substr(0, 2), std::string("\0\x0c", 2));  // 12 fields
  // ... ends with storage_encoding (int2 1) and the 32-byte digest.
  const std::string tail = std::string("\0\0\0\2\0\1", 6) + std::string("\0\0\0\x20", 4) +
                           std::string(32, 'h') + std::string("\377\377", 2);
  EXPECT_EQ(row.substr(row.size() - tail.size()), tail);
}

TEST(CopyLayoutTest, MissingOrRetypedColumnsAreRefused) {
  std::map<std::string, std::string> columns = V2Columns();
  columns.erase("kafka_offset");
  EXPECT_THAT(std::string(CopyLayout::ForColumns(columns).status().message()),
              HasSubstr("no column kafka_offset"));
  columns = V2Columns();
  columns["raw_size"] = "integer";
  EXPECT_THAT(std::string(CopyLayout::ForColumns(columns).status().message()),
              HasSubstr("raw_size is integer, expected bigint"));
  columns = V2Columns();
  columns["storage_encoding"] = "jsonb";
  EXPECT_FALSE(CopyLayout::ForColumns(columns).ok());
}

}  // namespace
}  // namespace ingest::bench_worker
