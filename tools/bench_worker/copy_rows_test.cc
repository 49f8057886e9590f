#include "tools/bench_worker/copy_rows.h"

#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ingest::bench_worker {
namespace {

using ::testing::HasSubstr;

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

TEST(CopyBufferTest, HeaderRowAndTrailerAreBinaryCopyFormat) {
  PgBinaryCopyBuffer buffer;
  buffer.BeginRow(3);
  buffer.AddInt16(2);
  buffer.AddBytes("ab");
  buffer.AddBool(true);
  const std::string out = std::move(buffer).Finish();
  const std::string expected =
      std::string("PGCOPY\n\377\r\n\0", 11) + std::string(8, '\0') +  // signature, flags, ext
      std::string("\0\3", 2) +                                         // 3 fields
      std::string("\0\0\0\2\0\2", 6) +                                 // int2 2
      std::string("\0\0\0\2ab", 6) +                                   // "ab"
      std::string("\0\0\0\1\1", 5) +                                   // true
      std::string("\377\377", 2);                                      // trailer
  EXPECT_EQ(out, expected);
}

TEST(CopyBufferTest, IntegersAreBigEndianAndTimestampsCountFrom2000) {
  PgBinaryCopyBuffer buffer;
  const size_t header = buffer.size();
  buffer.AddInt64(0x0102030405060708);
  buffer.AddTimestamp(absl::FromCivil(absl::CivilSecond(2000, 1, 1, 0, 0, 1), absl::UTCTimeZone()));
  const std::string out = std::move(buffer).Finish().substr(header);
  EXPECT_EQ(out.substr(0, 12), std::string("\0\0\0\x08\x01\x02\x03\x04\x05\x06\x07\x08", 12));
  // 1 s = 1000000 us = 0x0F4240.
  EXPECT_EQ(out.substr(12, 12), std::string("\0\0\0\x08\0\0\0\0\0\x0f\x42\x40", 12));
}

TEST(CopyLayoutTest, BeforeMigration3TheDataIsStoredAsItIs) {
  absl::StatusOr<CopyLayout> layout = CopyLayout::ForColumns(V2Columns());
  ASSERT_TRUE(layout.ok()) << layout.status();
  EXPECT_EQ(layout->storage(), Storage::kIdentity);
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
  EXPECT_EQ(layout->storage(), Storage::kZstd);
  EXPECT_THAT(layout->CopySql("t"), HasSubstr("kafka_offset, storage_encoding, data_sha256)"));

  PgBinaryCopyBuffer buffer;
  const size_t header = buffer.size();
  layout->AppendRow({.session_id = "s", .data = "d", .data_sha256 = std::string(32, 'h')},
                    buffer);
  const std::string row = std::move(buffer).Finish().substr(header);
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
