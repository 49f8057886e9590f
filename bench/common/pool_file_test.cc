#include "bench/common/pool_file.h"

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "tests/testing/file_contents.h"

namespace ingest::bench {
namespace {

// Reads back one [u32 BE length][bytes] field at `offset`, advancing it.
std::string ReadField(const std::string& data, size_t& offset) {
  EXPECT_LE(offset + 4, data.size());
  const auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(data[i])); };
  const uint32_t length =
      byte(offset) << 24 | byte(offset + 1) << 16 | byte(offset + 2) << 8 | byte(offset + 3);
  offset += 4;
  EXPECT_LE(offset + length, data.size());
  std::string field = data.substr(offset, length);
  offset += length;
  return field;
}

PayloadPool SmallPool() {
  return PayloadPool::Build({.message_bytes = 2048,
                             .pool_bytes = 5 * 2048,
                             .min_messages = 2,
                             .raw_keys = 3,
                             .project_id = "p1"});
}

TEST(AppendPoolRecordTest, LengthsAreBigEndianU32BeforeEachField) {
  std::string out = "x";
  AppendPoolRecord("ab", std::string(258, 'v'), out);
  ASSERT_EQ(out.size(), 1u + 4 + 2 + 4 + 258);
  EXPECT_EQ(out.substr(0, 7), std::string("x\0\0\0\x02"
                                          "ab",
                                          7));
  EXPECT_EQ(out.substr(7, 4), std::string("\0\0\x01\x02", 4));
  EXPECT_EQ(out.substr(11), std::string(258, 'v'));
}

TEST(AppendPoolRecordTest, EmptyFieldsKeepTheirLengths) {
  std::string out;
  AppendPoolRecord("", "", out);
  EXPECT_EQ(out, std::string(8, '\0'));
}

TEST(WritePoolRecordsTest, WritesEveryRawRecordInIndexOrder) {
  const PayloadPool pool = SmallPool();
  ASSERT_EQ(pool.size(), 5u);
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  ASSERT_TRUE(WritePoolRecords(pool, file).ok());
  const std::string data = FileContents(file);
  std::fclose(file);

  size_t offset = 0;
  for (size_t i = 0; i < pool.size(); ++i) {
    EXPECT_EQ(ReadField(data, offset), pool.raw_key(i)) << i;
    EXPECT_EQ(ReadField(data, offset), pool.raw_value(i)) << i;
  }
  EXPECT_EQ(offset, data.size());
}

TEST(WritePoolFileTest, ReplacesThePathAndLeavesNoTemporary) {
  const std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/pool.bin";
  { std::ofstream(path) << "old contents"; }
  const PayloadPool pool = SmallPool();
  ASSERT_TRUE(WritePoolFile(pool, path).ok());

  std::stringstream contents;
  contents << std::ifstream(path, std::ios::binary).rdbuf();
  const std::string data = contents.str();
  size_t offset = 0;
  EXPECT_EQ(ReadField(data, offset), pool.raw_key(0));
  EXPECT_EQ(ReadField(data, offset), pool.raw_value(0));
  EXPECT_FALSE(std::ifstream(path + ".tmp").good());
}

TEST(WritePoolFileTest, UnwritableDirectoryIsAnError) {
  const absl::Status status = WritePoolFile(SmallPool(), "/nonexistent-dir/pool.bin");
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_NE(status.message().find("/nonexistent-dir/pool.bin.tmp"), absl::string_view::npos);
}

}  // namespace
}  // namespace ingest::bench
