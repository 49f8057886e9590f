#pragma once

// ZstdBlockScanner: follows the blocks of one zstd frame (RFC 8878), after
// its header, over the bytes the streaming decoder consumes, to refuse what
// that decoder lets through but zstd's one-shot decoder refuses: a
// compressed block of 0 bytes. ZSTD_decompressStream() takes any block of
// size 0 as an empty block; ZSTD_decompress() (how a reader of stored
// content may well decode it) says "Data corruption detected", since a
// compressed block holds at least its literals section header. Found by
// fuzz/zstd_bounds_fuzzer. Everything else about the frame is zstd's to
// check.
//
// Not thread-safe; one per ZstdStreamMeter.

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace ingest {

class ZstdBlockScanner {
 public:
  // A new frame of blocks (not a skippable or legacy frame) whose header
  // said whether a 4-byte checksum follows its last block.
  void StartFrame(bool has_checksum);

  // Not following a frame (a skippable or legacy one, or none yet).
  void Stop() { stage_ = Stage::kDone; }

  // The frame's next bytes after its header, as the decoder consumed them.
  // INVALID_ARGUMENT for a compressed block of 0 bytes. Bytes past the
  // frame's end are not looked at.
  absl::Status Scan(absl::string_view bytes);

 private:
  enum class Stage { kBlockHeader, kBlockContent, kChecksum, kDone };

  // Where a block whose content was read leaves the frame.
  Stage AfterBlock();

  Stage stage_ = Stage::kDone;
  bool has_checksum_ = false;
  bool last_block_ = false;
  uint32_t header_ = 0;  // the block header's bytes so far, little-endian
  int header_bytes_ = 0;
  uint64_t remaining_ = 0;  // of the block's content or the checksum
};

}  // namespace ingest
