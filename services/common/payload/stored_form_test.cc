#include "services/common/payload/stored_form.h"

#include "gtest/gtest.h"
#include "services/common/codec/zstd_bounds.h"
#include "services/common/crypto/sha256.h"

namespace ingest {
namespace {

TEST(StoredFormTest, IdentityContentIsCompressedAndDescribedByItsRawBytes) {
  const std::string raw(10000, 'x');
  v1::Payload payload;
  SetStoredForm(raw, /*compress=*/true, 1, &payload);
  EXPECT_TRUE(HasStoredForm(payload));
  EXPECT_EQ(payload.storage_encoding(), v1::STORAGE_ENCODING_ZSTD);
  EXPECT_LT(payload.stored_data().size(), raw.size());
  EXPECT_EQ(payload.raw_size(), raw.size());
  EXPECT_EQ(payload.raw_sha256(), Sha256(raw));
  auto back = ZstdDecompressBounded(payload.stored_data(), static_cast<int64_t>(raw.size()));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, raw);
}

TEST(StoredFormTest, ClientCompressedContentIsKeptAsItIs) {
  const std::string raw = ZstdCompress("already compressed by the SDK");
  v1::Payload payload;
  SetStoredForm(raw, /*compress=*/false, 1, &payload);
  EXPECT_EQ(payload.storage_encoding(), v1::STORAGE_ENCODING_RAW);
  EXPECT_EQ(payload.stored_data(), raw);
  EXPECT_EQ(payload.raw_sha256(), Sha256(raw));
}

TEST(StoredFormTest, ContentFormIsRecognised) {
  v1::Payload payload;
  payload.mutable_content()->set_events("e");
  EXPECT_FALSE(HasStoredForm(payload));
}

// Independent frames concatenate into one valid zstd stream: chunk slices
// compressed one by one decompress, together, to the whole content.
TEST(StoredFormTest, ChunkFramesConcatenateToTheWholeContent) {
  const std::string whole = std::string(5000, 'a') + std::string(5000, 'b');
  v1::Payload first, second;
  SetStoredForm(absl::string_view(whole).substr(0, 4000), true, 1, &first);
  SetStoredForm(absl::string_view(whole).substr(4000), true, 1, &second);
  auto back = ZstdDecompressBounded(first.stored_data() + second.stored_data(),
                                    static_cast<int64_t>(whole.size()));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, whole);
}

}  // namespace
}  // namespace ingest
