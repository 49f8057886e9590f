#include "services/gateway/stream_chunker.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace ingest {
namespace {

std::string Content(size_t size) {
  std::string content(size, '\0');
  for (size_t i = 0; i < size; ++i) content[i] = static_cast<char>('a' + i % 23);
  return content;
}

// Feeds `content` in pieces of `piece` bytes and collects every chunk.
std::vector<StreamChunker::Chunk> Chunk(const std::string& content, size_t piece,
                                        uint64_t chunk_bytes) {
  StreamChunker chunker(content.size(), chunk_bytes);
  std::vector<StreamChunker::Chunk> chunks;
  for (size_t at = 0; at < content.size(); at += piece) {
    EXPECT_TRUE(chunker.Append(absl::string_view(content).substr(at, piece)).ok());
    while (chunker.HasChunk()) chunks.push_back(chunker.TakeChunk());
  }
  EXPECT_TRUE(chunker.Close().ok());
  while (chunker.HasChunk()) chunks.push_back(chunker.TakeChunk());
  EXPECT_TRUE(chunker.done());
  return chunks;
}

TEST(StreamChunkerTest, CutsExactChunksWhateverThePieceSize) {
  const std::string content = Content(10'000);
  for (size_t piece : {1u, 7u, 1000u, 4096u, 10'000u}) {
    auto chunks = Chunk(content, piece, 4096);
    ASSERT_EQ(chunks.size(), 3u) << piece;
    std::string joined;
    for (size_t i = 0; i < chunks.size(); ++i) {
      EXPECT_EQ(chunks[i].index, i);
      EXPECT_EQ(chunks[i].offset, joined.size());
      EXPECT_EQ(chunks[i].last, i == 2);
      joined += chunks[i].data;
    }
    EXPECT_EQ(chunks[0].data.size(), 4096u);
    EXPECT_EQ(chunks[2].data.size(), 10'000u - 8192u);
    EXPECT_EQ(joined, content);
    EXPECT_EQ(chunks[2].sha256, Sha256(content));
    EXPECT_TRUE(chunks[0].sha256.empty());
  }
}

TEST(StreamChunkerTest, ExactMultipleEndsWithAFullLastChunk) {
  auto chunks = Chunk(Content(8192), 1000, 4096);
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_TRUE(chunks[1].last);
  EXPECT_EQ(chunks[1].data.size(), 4096u);
}

TEST(StreamChunkerTest, RefusesMoreThanDeclared) {
  StreamChunker chunker(10, 4);
  EXPECT_TRUE(chunker.Append("12345").ok());
  EXPECT_EQ(chunker.Append("123456").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(chunker.complete());
}

TEST(StreamChunkerTest, IncompleteStreamHoldsItsPartialChunk) {
  StreamChunker chunker(10, 4);
  EXPECT_TRUE(chunker.Append("123456").ok());
  ASSERT_TRUE(chunker.HasChunk());
  EXPECT_EQ(chunker.TakeChunk().data, "1234");
  EXPECT_FALSE(chunker.HasChunk()) << "2 bytes wait for the rest";
  EXPECT_EQ(chunker.chunk_count(), 3u);
}

TEST(StreamChunkerTest, TheLastChunkWaitsForClose) {
  StreamChunker chunker(10, 4);
  EXPECT_TRUE(chunker.Append("1234567890").ok());
  ASSERT_TRUE(chunker.HasChunk());
  EXPECT_EQ(chunker.TakeChunk().data, "1234");
  ASSERT_TRUE(chunker.HasChunk());
  EXPECT_EQ(chunker.TakeChunk().data, "5678");
  EXPECT_FALSE(chunker.HasChunk()) << "more bytes may still come: the last chunk is held";
  EXPECT_EQ(chunker.Append("x").code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(chunker.Close().ok());
  ASSERT_TRUE(chunker.HasChunk());
  StreamChunker::Chunk last = chunker.TakeChunk();
  EXPECT_TRUE(last.last);
  EXPECT_EQ(last.data, "90");
}

TEST(StreamChunkerTest, ClosingBeforeTheDeclaredSizeIsInvalidArgument) {
  StreamChunker chunker(10, 4);
  EXPECT_TRUE(chunker.Append("123456").ok());
  absl::Status status = chunker.Close();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("6 of the 10 bytes"), absl::string_view::npos) << status;
  chunker.TakeChunk();
  EXPECT_FALSE(chunker.HasChunk());
}

// A client may send an empty chunk message (or one with neither field set)
// after the whole content, before it half-closes. Found by
// fuzz/stream_chunks_fuzzer.cc: the empty piece finished the spent hasher
// again, and the last chunk carried a wrong SHA-256.
TEST(StreamChunkerTest, AnEmptyPieceAfterTheContentKeepsItsDigest) {
  const std::string content = Content(10);
  StreamChunker chunker(content.size(), 4);
  ASSERT_TRUE(chunker.Append(content).ok());
  ASSERT_TRUE(chunker.Append("").ok());
  ASSERT_TRUE(chunker.Close().ok());
  std::vector<StreamChunker::Chunk> chunks;
  while (chunker.HasChunk()) chunks.push_back(chunker.TakeChunk());
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_TRUE(chunks[2].last);
  EXPECT_EQ(chunks[2].sha256, Sha256(content));
}

}  // namespace
}  // namespace ingest
