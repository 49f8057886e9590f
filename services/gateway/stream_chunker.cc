#include "services/gateway/stream_chunker.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace ingest {

StreamChunker::StreamChunker(uint64_t total_bytes, uint64_t chunk_bytes)
    : total_bytes_(total_bytes),
      chunk_bytes_(chunk_bytes),
      chunk_count_(static_cast<uint32_t>((total_bytes + chunk_bytes - 1) / chunk_bytes)) {}

absl::Status StreamChunker::Append(absl::string_view piece) {
  if (piece.size() > total_bytes_ - received_) {
    return absl::InvalidArgumentError(absl::StrCat(
        "stream sent more than header.total_bytes (", total_bytes_,
        "): send the exact content size in the header"));
  }
  if (pending_start_ > 0 && pending_start_ == pending_.size()) {
    pending_.clear();
    pending_start_ = 0;
  }
  // An empty piece adds nothing; after the whole content it would finish
  // the spent hasher a second time.
  if (piece.empty()) return absl::OkStatus();
  pending_.append(piece.data(), piece.size());
  hasher_.Update(piece);
  received_ += piece.size();
  if (complete()) digest_ = hasher_.Finish();
  return absl::OkStatus();
}

absl::Status StreamChunker::Close() {
  if (!complete()) {
    return absl::InvalidArgumentError(absl::StrCat("stream ended after ", received_, " of the ",
                                                   total_bytes_,
                                                   " bytes its header announced"));
  }
  closed_ = true;
  return absl::OkStatus();
}

bool StreamChunker::HasChunk() const {
  if (done()) return false;
  if (next_index_ + 1 == chunk_count_ && !closed_) return false;
  const uint64_t available = pending_.size() - pending_start_;
  return available >= chunk_bytes_ || (complete() && available > 0);
}

StreamChunker::Chunk StreamChunker::TakeChunk() {
  Chunk chunk;
  const size_t size = std::min<size_t>(chunk_bytes_, pending_.size() - pending_start_);
  chunk.index = next_index_++;
  chunk.offset = next_offset_;
  chunk.data.assign(pending_, pending_start_, size);
  next_offset_ += size;
  pending_start_ += size;
  if (pending_start_ == pending_.size()) {
    pending_.clear();
    pending_.shrink_to_fit();
    pending_start_ = 0;
  } else if (pending_start_ >= chunk_bytes_) {
    pending_.erase(0, pending_start_);  // keep the buffer from growing
    pending_start_ = 0;
  }
  chunk.last = done();
  if (chunk.last) chunk.sha256 = digest_;
  return chunk;
}

}  // namespace ingest
