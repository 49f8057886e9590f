#pragma once

// StreamChunker: cuts a streamed payload, arriving in pieces of any size,
// into chunks of exactly `chunk_bytes` (the last may be shorter), hashing
// the whole content as it goes. Holds at most one piece plus one chunk.
//
// The last chunk is what makes a payload whole downstream, so it is held
// back until Close() (the client's end of the stream) confirms that no
// byte beyond `total_bytes` follows; the chunk held is at most one chunk.
// Not thread-safe.

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "services/common/crypto/sha256.h"

namespace ingest {

class StreamChunker {
 public:
  struct Chunk {
    uint32_t index = 0;
    uint64_t offset = 0;
    std::string data;
    // SHA-256 of the whole content, on the last chunk only.
    std::string sha256;
    bool last = false;
  };

  // `total_bytes` >= 1, `chunk_bytes` >= 1.
  StreamChunker(uint64_t total_bytes, uint64_t chunk_bytes);

  uint32_t chunk_count() const { return chunk_count_; }
  uint64_t received() const { return received_; }
  bool complete() const { return received_ == total_bytes_; }

  // Appends the next piece; INVALID_ARGUMENT if it goes past total_bytes.
  absl::Status Append(absl::string_view piece);

  // The client ended the stream. INVALID_ARGUMENT unless exactly
  // total_bytes arrived; from then on the last chunk is ready.
  absl::Status Close();

  // True when the next chunk is ready: a full one, or the last one once
  // closed.
  bool HasChunk() const;
  // Takes the next ready chunk. Requires HasChunk().
  Chunk TakeChunk();
  // All chunks taken.
  bool done() const { return next_index_ == chunk_count_; }

 private:
  const uint64_t total_bytes_;
  const uint64_t chunk_bytes_;
  const uint32_t chunk_count_;
  uint64_t received_ = 0;
  bool closed_ = false;
  uint32_t next_index_ = 0;
  uint64_t next_offset_ = 0;
  // Received bytes not yet cut into chunks; `pending_start_` skips the ones
  // already taken so a large piece is not copied once per chunk.
  std::string pending_;
  size_t pending_start_ = 0;
  Sha256Hasher hasher_;
  std::string digest_;
};

}  // namespace ingest
