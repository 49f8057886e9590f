#pragma once

// ZstdStreamMeter: measures zstd data that arrives in pieces, without
// holding it: each piece is decompressed through a fixed 64 KiB scratch
// buffer and only the decompressed byte count is kept. INVALID_ARGUMENT as
// soon as the data is not valid zstd or decompresses past the limit, when a
// frame does not hold the content size its header declares, and at
// Finish() if it does not end a zstd frame. The verdict does not depend on
// how the data is cut into pieces. The bounded, incremental counterpart of
// ZstdDecompressedSize() (zstd_bounds.h).
//
// Not thread-safe.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "services/common/codec/zstd_block_scanner.h"

struct ZSTD_DCtx_s;

namespace ingest {

class ZstdStreamMeter {
 public:
  ZstdStreamMeter();
  ~ZstdStreamMeter();
  ZstdStreamMeter(const ZstdStreamMeter&) = delete;
  ZstdStreamMeter& operator=(const ZstdStreamMeter&) = delete;

  // Starts measuring new zstd data (one or more frames) that may decompress
  // to at most `max_decompressed_bytes`. Reuses the stream and the buffer.
  // With `output`, the decompressed bytes are also appended there.
  void Start(int64_t max_decompressed_bytes, std::string* output = nullptr);

  // The next compressed piece.
  absl::Status Update(absl::string_view piece);

  // The data ended: INVALID_ARGUMENT if it was empty or its last frame is
  // incomplete.
  absl::Status Finish();

  // Decompressed bytes counted since Start().
  int64_t decompressed_bytes() const { return decompressed_; }

 private:
  struct StreamDeleter {
    void operator()(ZSTD_DCtx_s* stream) const;
  };

  // Decompresses `piece` through the scratch buffer, counting the output.
  absl::Status Decompress(absl::string_view piece);
  // A frame ended: checks it held the content size its header declared and
  // gets ready for the next one.
  absl::Status EndFrame();
  // The frame's header is whole: follows its blocks, if it has any.
  void FollowBlocks();

  std::unique_ptr<ZSTD_DCtx_s, StreamDeleter> stream_;
  std::unique_ptr<char[]> scratch_;
  int64_t limit_ = 0;
  std::string* output_ = nullptr;
  int64_t decompressed_ = 0;
  bool started_frame_ = false;
  // zstd's hint after the last call: 0 once a frame is complete.
  size_t last_result_ = 0;
  // The current frame's header as far as it arrived, until it is whole;
  // zstd gets it one byte per call (zstd_stream_meter.cc says why).
  std::string frame_header_;
  bool reading_header_ = true;
  // The content size the frame's header declares, if it does, and what the
  // frame decompressed to so far.
  uint64_t frame_declared_size_ = 0;
  bool frame_size_declared_ = false;
  int64_t frame_decompressed_ = 0;
  // The frame's blocks, for what the streaming decoder accepts and the
  // one-shot one does not (zstd_block_scanner.h).
  ZstdBlockScanner blocks_;
};

}  // namespace ingest
