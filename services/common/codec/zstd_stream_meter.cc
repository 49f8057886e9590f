#include "services/common/codec/zstd_stream_meter.h"

#define ZSTD_STATIC_LINKING_ONLY  // ZSTD_getFrameHeader
#include <zstd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace ingest {
namespace {

constexpr size_t kScratchBytes = 64 * 1024;
// The longest frame header (ZSTD_FRAMEHEADERSIZE_MAX, from zstd's
// experimental API).
constexpr size_t kMaxFrameHeaderBytes = 18;

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
  frame_header_.clear();
  reading_header_ = true;
  frame_size_declared_ = false;
  frame_decompressed_ = 0;
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
  size_t used = 0;  // of `piece`
  // Until the input is used up and zstd has no more output for it (a full
  // scratch buffer means it may have more, unless the frame ended), so
  // Finish() needs no flush.
  while (true) {
    // zstd decodes a frame it gets whole in one call, with room for its
    // declared size, in one pass, and any other frame block by block; the
    // two refuse different frames (one pass: content short of the declared
    // size; block by block: windows over 128 MiB), so the verdict would
    // depend on where the pieces were cut. Fed its header one byte per call,
    // zstd never sees a frame whole: every frame is decoded block by block,
    // and the declared size is checked here (EndFrame).
    const bool was_reading_header = reading_header_;
    const size_t end = reading_header_ ? std::min(used + 1, piece.size()) : piece.size();
    ZSTD_inBuffer in{piece.data(), end, used};
    ZSTD_outBuffer out{scratch_.get(), kScratchBytes, 0};
    last_result_ = ZSTD_decompressStream(stream_.get(), &out, &in);
    if (ZSTD_isError(last_result_)) {
      return absl::InvalidArgumentError(
          absl::StrCat("content is not valid zstd: ", ZSTD_getErrorName(last_result_)));
    }
    if (!was_reading_header) {
      if (absl::Status status = blocks_.Scan(piece.substr(used, in.pos - used)); !status.ok()) {
        return status;
      }
    } else if (in.pos > used) {
      frame_header_.append(piece.data() + used, in.pos - used);
      // ZSTD_CONTENTSIZE_ERROR until the header is whole.
      const unsigned long long declared =
          ZSTD_getFrameContentSize(frame_header_.data(), frame_header_.size());
      if (declared != ZSTD_CONTENTSIZE_ERROR || frame_header_.size() >= kMaxFrameHeaderBytes) {
        reading_header_ = false;
        frame_size_declared_ =
            declared != ZSTD_CONTENTSIZE_ERROR && declared != ZSTD_CONTENTSIZE_UNKNOWN;
        frame_declared_size_ = declared;
        FollowBlocks();
      }
    }
    used = in.pos;
    decompressed_ += static_cast<int64_t>(out.pos);
    frame_decompressed_ += static_cast<int64_t>(out.pos);
    if (decompressed_ > limit_) {
      return absl::InvalidArgumentError(
          absl::StrCat("zstd content decompresses to more than ", limit_, " bytes"));
    }
    if (output_ != nullptr) output_->append(scratch_.get(), out.pos);
    if (last_result_ == 0) {
      if (absl::Status status = EndFrame(); !status.ok()) return status;
    }
    // Done with this piece once its input is used up and zstd has nothing
    // more to flush: it left room in the buffer, or it ended a frame (0).
    // Calling again after a frame ended with the buffer exactly full would
    // start a next frame, whose nonzero hint reads as "truncated".
    if (used == piece.size() && (out.pos < out.size || last_result_ == 0)) {
      return absl::OkStatus();
    }
  }
}

void ZstdStreamMeter::FollowBlocks() {
  ZSTD_frameHeader header;
  if (ZSTD_getFrameHeader(&header, frame_header_.data(), frame_header_.size()) == 0 &&
      header.frameType == ZSTD_frame) {
    blocks_.StartFrame(header.checksumFlag != 0);
  } else {
    blocks_.Stop();  // a skippable frame (no blocks), or one zstd refuses
  }
}

absl::Status ZstdStreamMeter::EndFrame() {
  if (frame_size_declared_ && static_cast<uint64_t>(frame_decompressed_) != frame_declared_size_) {
    return absl::InvalidArgumentError(absl::StrCat("a zstd frame holds ", frame_decompressed_,
                                                   " bytes but its header says ",
                                                   frame_declared_size_));
  }
  frame_header_.clear();
  reading_header_ = true;
  frame_size_declared_ = false;
  frame_decompressed_ = 0;
  return absl::OkStatus();
}

}  // namespace ingest
