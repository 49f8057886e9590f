#include "services/worker/store/stored_payload.h"

#include "gtest/gtest.h"
#include "services/common/crypto/sha256.h"
#include "services/common/payload/stored_form.h"

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

TEST(StoredPayloadTest, AStoredFormRecordIsBorrowedAsItIs) {
  v1::Task task;
  SetStoredForm("the raw content", /*compress=*/true, 1, task.mutable_payload());
  const StoredPayload stored(task);
  EXPECT_EQ(stored.data().data(), task.payload().stored_data().data()) << "no copy";
  EXPECT_EQ(stored.encoding(), StorageEncoding::kZstd);
  EXPECT_EQ(stored.raw_size(), 15);
  EXPECT_EQ(stored.sha256(), Sha256("the raw content"));
}

TEST(StoredPayloadTest, AContentFormRecordIsCompressedAndHashedOnce) {
  v1::Task task;
  task.mutable_payload()->mutable_content()->set_events(std::string(1000, 'e'));
  const std::string raw = task.payload().content().SerializeAsString();
  const StoredPayload stored(task);
  EXPECT_EQ(stored.encoding(), StorageEncoding::kZstd);
  EXPECT_EQ(stored.raw_size(), static_cast<int64_t>(raw.size()));
  EXPECT_EQ(stored.sha256(), Sha256(raw));
  EXPECT_EQ(*DecodeStoredData(1, stored.data(), stored.raw_size()), raw);
}

}  // namespace
}  // namespace ingest
