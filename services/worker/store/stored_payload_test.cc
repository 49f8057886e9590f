#include "services/worker/store/stored_payload.h"

#include "gtest/gtest.h"

namespace ingest {
namespace {

TEST(StoredPayloadTest, EncodedDataDecodesToTheOriginal) {
  const std::string raw(10'000, 'r');
  const std::string stored = EncodeStoredData(raw);
  EXPECT_LT(stored.size(), raw.size());
  auto decoded = DecodeStoredData(static_cast<int>(StorageEncoding::kZstd), stored, raw.size());
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, raw);
}

TEST(StoredPayloadTest, RawRowsAndEmptyPayloadsDecode) {
  EXPECT_EQ(*DecodeStoredData(static_cast<int>(StorageEncoding::kRaw), "abc", 3), "abc");
  EXPECT_EQ(*DecodeStoredData(static_cast<int>(StorageEncoding::kZstd), EncodeStoredData(""), 0),
            "");
}

TEST(StoredPayloadTest, DamagedRowsAreRefused) {
  const std::string stored = EncodeStoredData(std::string(100, 'x'));
  // A raw_size below the real size bounds the decompression (no bomb).
  EXPECT_EQ(DecodeStoredData(1, stored, 10).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeStoredData(1, stored, 200).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeStoredData(1, "not zstd", 8).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeStoredData(7, "abc", 3).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(StoredPayloadTest, WholePayloadsStoreTheirContentAndChunksTheirSlice) {
  v1::Task whole;
  whole.mutable_payload()->mutable_content()->set_events("ev");
  EXPECT_FALSE(IsStreamedChunk(whole));
  EXPECT_EQ(StoredBytesOf(whole), whole.payload().content().SerializeAsString());

  v1::Task chunk;
  chunk.set_chunk_index(1);
  chunk.set_chunk_count(2);
  chunk.mutable_payload()->set_total_bytes(10);
  chunk.mutable_payload()->set_chunk_data("slice");
  EXPECT_TRUE(IsLastStreamChunk(chunk));
  EXPECT_EQ(StoredBytesOf(chunk), "slice");
  chunk.set_chunk_index(0);
  EXPECT_FALSE(IsLastStreamChunk(chunk));
}

}  // namespace
}  // namespace ingest
