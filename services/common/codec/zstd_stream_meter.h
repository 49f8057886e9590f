#pragma once

// ZstdStreamMeter: measures zstd data that arrives in pieces, without
// holding it: each piece is decompressed through a fixed 64 KiB scratch
// buffer and only the decompressed byte count is kept. INVALID_ARGUMENT as
// soon as the data is not valid zstd or decompresses past the limit, and at
// Finish() if it does not end a zstd frame. The bounded, incremental
// counterpart of ZstdDecompressedSize() (zstd_bounds.h).
//
// Not thread-safe.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

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

  std::unique_ptr<ZSTD_DCtx_s, StreamDeleter> stream_;
  std::unique_ptr<char[]> scratch_;
  int64_t limit_ = 0;
  std::string* output_ = nullptr;
  int64_t decompressed_ = 0;
  bool started_frame_ = false;
  // zstd's hint after the last call: 0 once a frame is complete.
  size_t last_result_ = 0;
};

}  // namespace ingest
