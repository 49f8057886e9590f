#pragma once

// The content of one large streamed payload, generated on demand.
//
// A streamed payload is a serialized PayloadContent sent as raw chunks
// (ingest.proto, PushPayloadStreamRequest). This one has exactly
// `total_bytes`: an `events` field whose bytes repeat a realistic block, plus,
// when the varint length prefix leaves a gap, a one-byte `messages` field. Any
// byte range can be produced without holding the whole payload, so the client
// streams 256 MB with one chunk in memory.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ingest::bench {

// Immutable; safe to share between threads.
class StreamContent {
 public:
  // INVALID_ARGUMENT if total_bytes < 3 or `block` is empty.
  static absl::StatusOr<StreamContent> Create(int64_t total_bytes, std::string block);

  int64_t total_bytes() const { return total_bytes_; }

  // Appends bytes [offset, offset + length) of the content to `out`. Requires
  // the range to lie within [0, total_bytes) (aborts otherwise).
  void Append(int64_t offset, int64_t length, std::string* out) const;

  // SHA-256 (32 bytes) of the whole content, computed piece by piece.
  std::string Sha256() const;

 private:
  StreamContent(int64_t total_bytes, std::string prefix, std::string block)
      : total_bytes_(total_bytes), prefix_(std::move(prefix)), block_(std::move(block)) {}

  int64_t total_bytes_;
  std::string prefix_;  // [messages field] + events tag + events length
  std::string block_;   // the events bytes repeat this
};

}  // namespace ingest::bench
