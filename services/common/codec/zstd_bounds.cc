#include "services/common/codec/zstd_bounds.h"

#include <zstd.h>

#include "absl/strings/str_cat.h"
#include "services/common/codec/zstd_stream_meter.h"

namespace ingest {

namespace {

// Runs all of `compressed` through a meter (and into `output`, if given).
absl::StatusOr<int64_t> Measure(absl::string_view compressed, int64_t limit,
                                std::string* output) {
  ZstdStreamMeter meter;
  meter.Start(limit, output);
  if (absl::Status status = meter.Update(compressed); !status.ok()) return status;
  if (absl::Status status = meter.Finish(); !status.ok()) return status;
  return meter.decompressed_bytes();
}

}  // namespace

absl::StatusOr<int64_t> ZstdDecompressedSize(absl::string_view compressed,
                                             int64_t max_decompressed_bytes) {
  return Measure(compressed, max_decompressed_bytes, nullptr);
}

absl::StatusOr<std::string> ZstdDecompressBounded(absl::string_view compressed,
                                                  int64_t max_decompressed_bytes) {
  std::string out;
  absl::StatusOr<int64_t> size = Measure(compressed, max_decompressed_bytes, &out);
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
