#include "services/common/codec/zstd_stream_meter.h"

#include <zstd.h>

#include "absl/strings/str_cat.h"

namespace ingest {
namespace {

constexpr size_t kScratchBytes = 64 * 1024;

}  // namespace

void ZstdStreamMeter::StreamDeleter::operator()(ZSTD_DCtx_s* stream) const {
  ZSTD_freeDStream(stream);
}

ZstdStreamMeter::ZstdStreamMeter()
    : stream_(ZSTD_createDStream()), scratch_(new char[kScratchBytes]) {}

ZstdStreamMeter::~ZstdStreamMeter() = default;

void ZstdStreamMeter::Start(int64_t max_decompressed_bytes, std::string* output) {
  ZSTD_DCtx_reset(stream_.get(), ZSTD_reset_session_only);
  limit_ = max_decompressed_bytes;
  output_ = output;
  decompressed_ = 0;
  started_frame_ = false;
  last_result_ = 0;
}

absl::Status ZstdStreamMeter::Update(absl::string_view piece) {
  if (piece.empty()) return absl::OkStatus();
  started_frame_ = true;
  return Decompress(piece);
}

absl::Status ZstdStreamMeter::Finish() {
  if (!started_frame_) return absl::InvalidArgumentError("zstd content is empty");
  // Update() drained every output its input allowed, so nothing is left to
  // flush: zstd's last hint says whether the last frame ended.
  if (last_result_ != 0) {
    return absl::InvalidArgumentError("zstd content is truncated (its last frame does not end)");
  }
  return absl::OkStatus();
}

absl::Status ZstdStreamMeter::Decompress(absl::string_view piece) {
  if (stream_ == nullptr) return absl::ResourceExhaustedError("cannot allocate a zstd stream");
  ZSTD_inBuffer in{piece.data(), piece.size(), 0};
  // Until the input is used up and zstd has no more output for it (a full
  // scratch buffer means it may have more, unless the frame ended), so
  // Finish() needs no flush.
  while (true) {
    ZSTD_outBuffer out{scratch_.get(), kScratchBytes, 0};
    last_result_ = ZSTD_decompressStream(stream_.get(), &out, &in);
    if (ZSTD_isError(last_result_)) {
      return absl::InvalidArgumentError(
          absl::StrCat("content is not valid zstd: ", ZSTD_getErrorName(last_result_)));
    }
    decompressed_ += static_cast<int64_t>(out.pos);
    if (decompressed_ > limit_) {
      return absl::InvalidArgumentError(
          absl::StrCat("zstd content decompresses to more than ", limit_, " bytes"));
    }
    if (output_ != nullptr) output_->append(scratch_.get(), out.pos);
    // Done with this piece once its input is used up and zstd has nothing
    // more to flush: it left room in the buffer, or it ended a frame (0).
    // Calling again after a frame ended with the buffer exactly full would
    // start a next frame, whose nonzero hint reads as "truncated".
    if (in.pos == in.size && (out.pos < out.size || last_result_ == 0)) {
      return absl::OkStatus();
    }
  }
}

}  // namespace ingest
