#include "services/common/codec/zstd_bounds.h"

#include "gtest/gtest.h"

namespace ingest {
namespace {

TEST(ZstdBoundsTest, MeasuresAndRoundTrips) {
  const std::string data(300'000, 'z');
  const std::string compressed = ZstdCompress(data);
  EXPECT_LT(compressed.size(), 1000u);
  EXPECT_EQ(*ZstdDecompressedSize(compressed, 1 << 20), 300'000);
  EXPECT_EQ(*ZstdDecompressBounded(compressed, 1 << 20), data);
}

TEST(ZstdBoundsTest, StopsABombAtTheLimit) {
  // 64 MB of zeros compress to a few KB: the check must stop at the limit.
  const std::string bomb = ZstdCompress(std::string(64 << 20, '\0'), 19);
  absl::StatusOr<int64_t> size = ZstdDecompressedSize(bomb, 1 << 20);
  EXPECT_EQ(size.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(size.status().message().find("more than 1048576"), absl::string_view::npos);
}

TEST(ZstdBoundsTest, RejectsGarbageEmptyAndTruncatedInput) {
  EXPECT_EQ(ZstdDecompressedSize("not zstd at all", 1000).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ZstdDecompressedSize("", 1000).status().code(), absl::StatusCode::kInvalidArgument);
  const std::string compressed = ZstdCompress(std::string(100'000, 'q') + "tail", 1);
  EXPECT_FALSE(ZstdDecompressedSize(compressed.substr(0, compressed.size() - 3), 1 << 20).ok());
}

// A frame whose content fills the 64 KiB scratch buffer exactly at its end
// (a 1 MiB stream chunk) is complete: seen reported as truncated by
// ./dev chaos gateway-kill's verifier.
TEST(ZstdBoundsTest, AFrameEndingExactlyAtABufferBoundaryIsComplete) {
  for (const int64_t size : {int64_t{64} << 10, int64_t{1} << 20, (int64_t{1} << 20) + 1}) {
    std::string raw(static_cast<size_t>(size), 'a');
    for (size_t i = 0; i < raw.size(); i += 7) raw[i] = static_cast<char>('a' + i % 23);
    const std::string compressed = ZstdCompress(raw, 1);
    absl::StatusOr<std::string> back = ZstdDecompressBounded(compressed, size);
    ASSERT_TRUE(back.ok()) << size << ": " << back.status();
    EXPECT_EQ(*back, raw);
    absl::StatusOr<int64_t> measured = ZstdDecompressedSize(compressed, size);
    ASSERT_TRUE(measured.ok()) << size << ": " << measured.status();
    EXPECT_EQ(*measured, size);
  }
}

TEST(ZstdBoundsTest, ConcatenatedFramesCount) {
  const std::string two = ZstdCompress("hello ") + ZstdCompress("world");
  EXPECT_EQ(*ZstdDecompressBounded(two, 100), "hello world");
}

}  // namespace
}  // namespace ingest
