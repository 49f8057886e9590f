// zstd-encoded content from the network (PushPayload's and streamed
// content's fields labelled CONTENT_ENCODING_ZSTD), measured by bounded
// streaming (zstd_bounds.h, zstd_stream_meter.h) and never inflated past
// the limit. Input: 2 bytes of limit, 1 byte of limit scale (limit up to
// 4 MiB, so the meter's 64 KiB scratch buffer fills many times), 1 byte
// seeding where the content is cut into pieces, then the content.
//
// Checks: nothing crashes and nothing is decompressed past the limit (a
// refusal is INVALID_ARGUMENT); ZstdDecompressedSize and
// ZstdDecompressBounded agree; what they accept, one-shot zstd
// (ZSTD_decompressDCtx into limit bytes) decompresses to the same bytes, and
// what one-shot zstd reads they accept, unless it holds a legacy-format
// frame, one asking for a window larger than a stream decoder allocates, or
// a block over its frame's maximum size (which one-shot zstd lets through);
// feeding the meter the same
// content in pieces gives the same verdict, count and bytes; compressing
// the input with ZstdCompress and decompressing it back gives it unchanged.

#define ZSTD_STATIC_LINKING_ONLY  // ZSTD_getFrameHeader
#include <zstd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_input.h"
#include "services/common/codec/zstd_bounds.h"
#include "services/common/codec/zstd_stream_meter.h"

namespace ingest {
namespace {

void Require(bool condition) {
  if (!condition) std::abort();
}

// What one-shot zstd (ZSTD_decompressDCtx, as a reader of stored content
// would call it) makes of `compressed` within `limit`: valid when it is
// whole frames of valid zstd that decompress to at most `limit` bytes.
struct Reference {
  bool valid = false;
  absl::string_view output;  // valid until the next OneShot()
};

// The largest limit the input can ask for.
constexpr int64_t kMaxLimit = int64_t{0xffff} << 6;

Reference OneShot(absl::string_view compressed, int64_t limit) {
  struct Deleter {
    void operator()(ZSTD_DCtx* context) const { ZSTD_freeDCtx(context); }
  };
  static const std::unique_ptr<ZSTD_DCtx, Deleter> context(ZSTD_createDCtx());
  static std::vector<char>* const buffer = new std::vector<char>(kMaxLimit + 1);
  Require(context != nullptr && limit <= kMaxLimit);
  Reference reference;
  if (compressed.empty()) return reference;
  const size_t size =
      ZSTD_decompressDCtx(context.get(), buffer->data(), static_cast<size_t>(limit) + 1,
                          compressed.data(), compressed.size());
  if (ZSTD_isError(size) || static_cast<int64_t>(size) > limit) return reference;
  reference.valid = true;
  reference.output = absl::string_view(buffer->data(), size);
  return reference;
}

// True when every block of the frame `frame` (whole, its header
// `header_size` bytes long) is within the frame's Block_Maximum_Size (RFC
// 8878 3.1.1.2.3: a raw or RLE block's size is what it regenerates, a
// compressed block's is its compressed size). One-shot zstd reads an RLE block
// over it; the streaming decoder, rightly, calls it corrupt.
bool BlocksWithinMaximum(absl::string_view frame, size_t header_size, uint64_t block_max) {
  size_t at = header_size;
  while (at + 3 <= frame.size()) {
    const uint32_t block = static_cast<uint8_t>(frame[at]) |
                           static_cast<uint32_t>(static_cast<uint8_t>(frame[at + 1])) << 8 |
                           static_cast<uint32_t>(static_cast<uint8_t>(frame[at + 2])) << 16;
    const uint32_t type = (block >> 1) & 3;
    const uint32_t size = block >> 3;
    if (size > block_max) return false;
    at += 3 + (type == 1 ? 1 : size);
    if ((block & 1) != 0) return true;
  }
  return true;  // zstd found the frame's end; nothing more to check here
}

// True when `compressed` is whole frames of today's format (not the legacy
// formats one-shot zstd still reads) or skippable frames, none of them asking
// for a window larger than a stream decoder allocates by default nor holding
// a block over its maximum size: what the gateway must accept when one-shot
// zstd reads it.
bool ModernFrames(absl::string_view compressed) {
  constexpr uint32_t kMagic = 0xFD2FB528;
  constexpr uint32_t kSkippableMask = 0xFFFFFFF0;
  constexpr uint32_t kSkippableMagic = 0x184D2A50;
  while (!compressed.empty()) {
    const size_t size = ZSTD_findFrameCompressedSize(compressed.data(), compressed.size());
    if (ZSTD_isError(size) || size > compressed.size() || size < 4) return false;
    uint32_t magic = 0;
    for (int i = 3; i >= 0; --i) magic = (magic << 8) | static_cast<uint8_t>(compressed[i]);
    if (magic == kMagic) {
      ZSTD_frameHeader header;
      if (ZSTD_getFrameHeader(&header, compressed.data(), size) != 0) return false;
      if (header.windowSize > (uint64_t{1} << ZSTD_WINDOWLOG_LIMIT_DEFAULT)) return false;
      if (!BlocksWithinMaximum(compressed.substr(0, size), header.headerSize,
                               header.blockSizeMax)) {
        return false;
      }
    } else if ((magic & kSkippableMask) != kSkippableMagic) {
      return false;
    }
    compressed.remove_prefix(size);
  }
  return true;
}

}  // namespace
}  // namespace ingest

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using ingest::Require;
  ingest::fuzz::FuzzInput input(data, size);
  const int64_t limit = int64_t{input.U16()} << (input.Byte() % 7);
  uint32_t cut_seed = input.Byte();
  const bool keep_output = (cut_seed & 1) != 0;
  const absl::string_view content = input.Rest();

  const absl::StatusOr<int64_t> measured = ingest::ZstdDecompressedSize(content, limit);
  if (!measured.ok()) Require(measured.status().code() == absl::StatusCode::kInvalidArgument);
  if (measured.ok()) Require(*measured >= 0 && *measured <= limit);

  const absl::StatusOr<std::string> inflated = ingest::ZstdDecompressBounded(content, limit);
  Require(inflated.ok() == measured.ok());
  if (inflated.ok()) Require(static_cast<int64_t>(inflated->size()) == *measured);

  // What the gateway accepts, a one-shot reader reads back the same. It may
  // refuse more: legacy formats, and frames whose window exceeds what a
  // stream decoder allocates.
  const ingest::Reference reference = ingest::OneShot(content, limit);
  if (inflated.ok()) Require(reference.valid && *inflated == reference.output);
  if (reference.valid && ingest::ModernFrames(content)) Require(measured.ok());

  // The same content in pieces (cut where the seed says, empty ones too),
  // into a meter that is reused as the stream validator reuses it.
  static ingest::ZstdStreamMeter* const meter = new ingest::ZstdStreamMeter();
  std::string pieced_output;
  meter->Start(limit, keep_output ? &pieced_output : nullptr);
  absl::Status status;
  absl::string_view rest = content;
  while (status.ok() && !rest.empty()) {
    cut_seed = cut_seed * 1103515245u + 12345u;
    const size_t take = std::min<size_t>(rest.size(), (cut_seed >> 16) % 300);
    status = meter->Update(rest.substr(0, take));
    rest.remove_prefix(take);
  }
  if (status.ok()) status = meter->Finish();
  // However the content is cut, the verdict and the count are the same.
  Require(status.ok() == measured.ok());
  if (status.ok()) {
    Require(meter->decompressed_bytes() == *measured);
    if (keep_output) Require(pieced_output == *inflated);
  }
  Require(meter->decompressed_bytes() <= limit ||
          (!status.ok() && meter->decompressed_bytes() <= limit + 64 * 1024));

  // Round trip of the input itself as raw data.
  const std::string compressed = ingest::ZstdCompress(content, 1);
  const int64_t raw_size = static_cast<int64_t>(content.size());
  const absl::StatusOr<std::string> back = ingest::ZstdDecompressBounded(compressed, raw_size);
  Require(back.ok() && *back == content);
  if (raw_size > 0) Require(!ingest::ZstdDecompressedSize(compressed, raw_size - 1).ok());
  return 0;
}
