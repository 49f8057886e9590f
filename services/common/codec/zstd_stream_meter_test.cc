#include "services/common/codec/zstd_stream_meter.h"

#include <string>

#include "gtest/gtest.h"
#include "services/common/codec/zstd_bounds.h"

namespace ingest {
namespace {

std::string Text(size_t size) {
  std::string text(size, '\0');
  for (size_t i = 0; i < size; ++i) text[i] = static_cast<char>('a' + (i * 7919) % 26);
  return text;
}

// Measures `compressed` fed in pieces of `piece` bytes.
absl::Status Measure(ZstdStreamMeter& meter, const std::string& compressed, size_t piece,
                     int64_t limit) {
  meter.Start(limit);
  for (size_t at = 0; at < compressed.size(); at += piece) {
    if (absl::Status status = meter.Update(absl::string_view(compressed).substr(at, piece));
        !status.ok()) {
      return status;
    }
  }
  return meter.Finish();
}

TEST(ZstdStreamMeterTest, CountsTheDecompressedSizeWhateverThePieceSize) {
  const std::string data = Text(200'000);
  const std::string compressed = ZstdCompress(data);
  ZstdStreamMeter meter;
  for (size_t piece : {size_t{1}, size_t{7}, size_t{1000}, compressed.size()}) {
    ASSERT_TRUE(Measure(meter, compressed, piece, 1 << 20).ok()) << piece;
    EXPECT_EQ(meter.decompressed_bytes(), 200'000) << piece;
  }
}

// Frames whose content fills the 64 KiB buffer exactly at their end, alone
// and followed by another frame, fed whole and in pieces.
TEST(ZstdStreamMeterTest, AFrameEndingExactlyAtTheBufferBoundaryIsComplete) {
  const std::string whole = ZstdCompress(Text(64 << 10));
  const std::string two = whole + ZstdCompress(Text(1 << 20));
  ZstdStreamMeter meter;
  for (size_t piece : {size_t{1}, size_t{100}, two.size()}) {
    ASSERT_TRUE(Measure(meter, whole, piece, 1 << 21).ok()) << piece;
    EXPECT_EQ(meter.decompressed_bytes(), 64 << 10) << piece;
    ASSERT_TRUE(Measure(meter, two, piece, 1 << 21).ok()) << piece;
    EXPECT_EQ(meter.decompressed_bytes(), (64 << 10) + (1 << 20)) << piece;
  }
}

TEST(ZstdStreamMeterTest, ConcatenatedFramesAreOneStream) {
  const std::string compressed = ZstdCompress(Text(1000)) + ZstdCompress(Text(2000));
  ZstdStreamMeter meter;
  ASSERT_TRUE(Measure(meter, compressed, 3, 1 << 20).ok());
  EXPECT_EQ(meter.decompressed_bytes(), 3000);
}

TEST(ZstdStreamMeterTest, StopsABombAtTheLimit) {
  const std::string bomb = ZstdCompress(std::string(64 << 20, '\0'), 19);
  ZstdStreamMeter meter;
  absl::Status status = Measure(meter, bomb, 100, 1 << 20);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("more than 1048576"), absl::string_view::npos) << status;
  EXPECT_LE(meter.decompressed_bytes(), (1 << 20) + (64 << 10));
}

TEST(ZstdStreamMeterTest, RejectsGarbage) {
  ZstdStreamMeter meter;
  EXPECT_EQ(Measure(meter, "not zstd at all", 4, 1000).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ZstdStreamMeterTest, RejectsDataThatDoesNotEndItsFrame) {
  const std::string compressed = ZstdCompress(Text(100'000) + "tail", 1);
  ZstdStreamMeter meter;
  absl::Status status = Measure(meter, compressed.substr(0, compressed.size() - 3), 100, 1 << 20);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("truncated"), absl::string_view::npos) << status;
}

TEST(ZstdStreamMeterTest, RejectsEmptyData) {
  ZstdStreamMeter meter;
  EXPECT_EQ(Measure(meter, "", 1, 1000).code(), absl::StatusCode::kInvalidArgument);
}

TEST(ZstdStreamMeterTest, StartForgetsAFailedStream) {
  ZstdStreamMeter meter;
  EXPECT_FALSE(Measure(meter, "garbage!", 3, 1000).ok());
  const std::string compressed = ZstdCompress(Text(5000));
  const std::string half = compressed.substr(0, compressed.size() / 2);
  meter.Start(1 << 20);
  ASSERT_TRUE(meter.Update(half).ok());
  ASSERT_TRUE(Measure(meter, compressed, 10, 1 << 20).ok());
  EXPECT_EQ(meter.decompressed_bytes(), 5000);
}

// zstd decodes a frame it is given whole, with room for its declared size,
// in one pass, and otherwise block by block; the two check different
// things. The meter's verdict must not depend on how the data was cut (the
// gateway's stream validator gets the client's pieces, the unary check the
// whole field). Found by fuzz/zstd_bounds_fuzzer.cc.
TEST(ZstdStreamMeterTest, TheVerdictDoesNotDependOnHowTheDataIsCut) {
  // Declares 2 bytes of content, checksummed, but its one (last) block is
  // empty: the one-pass decoder refused it, the block-by-block one (cut)
  // accepted it.
  const std::string short_of_its_size("\x28\xb5\x2f\xfd\x24\x02\x01\x00\x00\x99\xe9\xd8\x51", 13);
  // Declares a 2 GiB window and 257 bytes (one RLE block): the one-pass
  // decoder accepted it, the block-by-block one (cut) refused the window.
  const std::string huge_window("\x28\xb5\x2f\xfd\x40\xa8\x01\x00\x0b\x08\x00\x61", 12);
  ZstdStreamMeter meter;
  for (const std::string* data : {&short_of_its_size, &huge_window}) {
    for (size_t piece : {size_t{1}, size_t{5}, size_t{10}, data->size()}) {
      const absl::Status status = Measure(meter, *data, piece, 1 << 20);
      EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument)
          << "piece " << piece << " of " << data->size() << ": " << status;
    }
  }
  const absl::Status status = Measure(meter, short_of_its_size, 3, 1 << 20);
  EXPECT_NE(status.message().find("says 2"), absl::string_view::npos) << status;
}

// A frame declaring 0 bytes whose one (last) block is a compressed block of
// 0 bytes, then its checksum: zstd's streaming decoder takes the block as
// empty, its one-shot decoder says "Data corruption detected". Refused
// however it is cut, so nothing a one-shot reader cannot read is accepted
// (found by fuzz/zstd_bounds_fuzzer, crash-dc9482d3).
TEST(ZstdStreamMeterTest, RefusesACompressedBlockOfZeroBytes) {
  const std::string frame("\x28\xb5\x2f\xfd\x24\x00\x05\x00\x00\x99\xe9\xd8\x51", 13);
  EXPECT_EQ(ZstdDecompressedSize(frame, 0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ZstdDecompressedSize(frame, 100).status().code(), absl::StatusCode::kInvalidArgument);
  ZstdStreamMeter meter;
  for (size_t piece = 1; piece <= frame.size(); ++piece) {
    EXPECT_EQ(Measure(meter, frame, piece, 100).code(), absl::StatusCode::kInvalidArgument)
        << "pieces of " << piece;
  }
  // An empty raw block in the same place is valid, for both decoders.
  std::string raw = frame;
  raw[6] = '\x01';  // last block, raw, 0 bytes
  const std::string no_checksum = raw.substr(0, 4) + '\x20' + raw.substr(5, 4);
  EXPECT_EQ(ZstdDecompressedSize(no_checksum, 0).value_or(-1), 0);
}

}  // namespace
}  // namespace ingest
