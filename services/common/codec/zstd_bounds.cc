#include "services/common/codec/zstd_bounds.h"

#include <zstd.h>

#include <memory>

#include "absl/strings/str_cat.h"

namespace ingest {
namespace {

struct StreamDeleter {
  void operator()(ZSTD_DStream* stream) const { ZSTD_freeDStream(stream); }
};

// Streams `compressed` through zstd, handing each decompressed piece to
// `sink`, and stops with INVALID_ARGUMENT past `limit` bytes.
template <typename Sink>
absl::StatusOr<int64_t> Decompress(absl::string_view compressed, int64_t limit, Sink sink) {
  std::unique_ptr<ZSTD_DStream, StreamDeleter> stream(ZSTD_createDStream());
  if (stream == nullptr) return absl::ResourceExhaustedError("cannot allocate a zstd stream");
  ZSTD_initDStream(stream.get());
  char scratch[64 * 1024];
  ZSTD_inBuffer in{compressed.data(), compressed.size(), 0};
  int64_t total = 0;
  size_t last_result = 0;
  while (in.pos < in.size || last_result != 0) {
    ZSTD_outBuffer out{scratch, sizeof(scratch), 0};
    last_result = ZSTD_decompressStream(stream.get(), &out, &in);
    if (ZSTD_isError(last_result)) {
      return absl::InvalidArgumentError(
          absl::StrCat("content is not valid zstd: ", ZSTD_getErrorName(last_result)));
    }
    total += static_cast<int64_t>(out.pos);
    if (total > limit) {
      return absl::InvalidArgumentError(
          absl::StrCat("zstd content decompresses to more than ", limit, " bytes"));
    }
    sink(absl::string_view(scratch, out.pos));
    if (out.pos == 0 && in.pos == in.size && last_result != 0) {
      return absl::InvalidArgumentError("zstd content is truncated");
    }
  }
  return total;
}

}  // namespace

absl::StatusOr<int64_t> ZstdDecompressedSize(absl::string_view compressed,
                                             int64_t max_decompressed_bytes) {
  if (compressed.empty()) return absl::InvalidArgumentError("zstd content is empty");
  return Decompress(compressed, max_decompressed_bytes, [](absl::string_view) {});
}

absl::StatusOr<std::string> ZstdDecompressBounded(absl::string_view compressed,
                                                  int64_t max_decompressed_bytes) {
  if (compressed.empty()) return absl::InvalidArgumentError("zstd content is empty");
  std::string out;
  absl::StatusOr<int64_t> size = Decompress(
      compressed, max_decompressed_bytes,
      [&out](absl::string_view piece) { out.append(piece.data(), piece.size()); });
  if (!size.ok()) return size.status();
  return out;
}

std::string ZstdCompress(absl::string_view data, int level) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const size_t size = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), level);
  // Compressing into a ZSTD_compressBound() buffer cannot fail.
  if (ZSTD_isError(size)) abort();
  out.resize(size);
  return out;
}

}  // namespace ingest
