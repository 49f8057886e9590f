#include "services/common/codec/zstd_bounds.h"

#include <zstd.h>

#include <cstdlib>
#include <memory>

#include "absl/strings/str_cat.h"
#include "services/common/codec/zstd_stream_meter.h"
#include "services/common/status/status_macros.h"

namespace ingest {

namespace {

// Runs all of `compressed` through a meter (and into `output`, if given).
absl::StatusOr<int64_t> Measure(absl::string_view compressed, int64_t limit,
                                std::string* output) {
  ZstdStreamMeter meter;
  meter.Start(limit, output);
  RETURN_IF_ERROR(meter.Update(compressed));
  RETURN_IF_ERROR(meter.Finish());
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
  RETURN_IF_ERROR(Measure(compressed, max_decompressed_bytes, &out).status());
  return out;
}

std::string ZstdCompress(absl::string_view data, int level) {
  // One context per thread, reused: ZSTD_compress() would allocate and
  // clear a fresh one per call, which cost more than compressing a 10 KB
  // payload (perf of the gateway at 10 KB: a third of its CPU in zstd).
  struct ContextDeleter {
    void operator()(ZSTD_CCtx* context) const { ZSTD_freeCCtx(context); }
  };
  thread_local std::unique_ptr<ZSTD_CCtx, ContextDeleter> context(ZSTD_createCCtx());
  if (context == nullptr) abort();
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const size_t size =
      ZSTD_compressCCtx(context.get(), out.data(), out.size(), data.data(), data.size(), level);
  // Compressing into a ZSTD_compressBound() buffer cannot fail.
  if (ZSTD_isError(size)) abort();
  out.resize(size);
  return out;
}

}  // namespace ingest
