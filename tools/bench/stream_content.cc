#include "tools/bench/stream_content.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "absl/strings/str_cat.h"
#include "services/common/crypto/sha256.h"

namespace ingest::bench {
namespace {

// Field tags of ingest.v1.PayloadContent (wire type 2, length-delimited).
constexpr char kEventsTag = (1 << 3) | 2;
constexpr char kMessagesTag = (2 << 3) | 2;

void AppendVarint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

int VarintSize(uint64_t value) {
  int size = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size;
  }
  return size;
}

// Length L of the events field such that tag + varint(L) + L == field_bytes,
// or nullopt in a gap of the varint prefix (it grows at 128, 16384, ...).
std::optional<int64_t> EventsLengthFor(int64_t field_bytes) {
  for (int prefix = 1; prefix <= 10; ++prefix) {
    const int64_t length = field_bytes - 1 - prefix;
    if (length < 0) return std::nullopt;
    if (VarintSize(static_cast<uint64_t>(length)) == prefix) return length;
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<StreamContent> StreamContent::Create(int64_t total_bytes, std::string block) {
  if (total_bytes < 3) {
    return absl::InvalidArgumentError(
        absl::StrCat("a streamed payload needs at least 3 bytes, not ", total_bytes));
  }
  if (block.empty()) return absl::InvalidArgumentError("the content block is empty");
  std::string prefix;
  std::optional<int64_t> events_length = EventsLengthFor(total_bytes);
  if (!events_length.has_value()) {
    // A 3-byte messages field closes the gap.
    prefix = {kMessagesTag, 1, '.'};
    events_length = EventsLengthFor(total_bytes - 3);
  }
  if (!events_length.has_value()) {
    return absl::InternalError(absl::StrCat("no PayloadContent layout of ", total_bytes, " bytes"));
  }
  prefix.push_back(kEventsTag);
  AppendVarint(static_cast<uint64_t>(*events_length), &prefix);
  return StreamContent(total_bytes, std::move(prefix), std::move(block));
}

void StreamContent::Append(int64_t offset, int64_t length, std::string* out) const {
  if (offset < 0 || length < 0 || offset + length > total_bytes_) {
    std::fprintf(stderr, "StreamContent::Append: [%lld, +%lld) outside [0, %lld)\n",
                 static_cast<long long>(offset), static_cast<long long>(length),
                 static_cast<long long>(total_bytes_));
    std::abort();
  }
  out->reserve(out->size() + static_cast<size_t>(length));
  const int64_t prefix_size = static_cast<int64_t>(prefix_.size());
  if (offset < prefix_size) {
    const int64_t n = std::min(length, prefix_size - offset);
    out->append(prefix_, static_cast<size_t>(offset), static_cast<size_t>(n));
    offset += n;
    length -= n;
  }
  const int64_t block_size = static_cast<int64_t>(block_.size());
  while (length > 0) {
    const int64_t in_block = (offset - prefix_size) % block_size;
    const int64_t n = std::min(length, block_size - in_block);
    out->append(block_, static_cast<size_t>(in_block), static_cast<size_t>(n));
    offset += n;
    length -= n;
  }
}

std::string StreamContent::Sha256() const {
  constexpr int64_t kPiece = 4 << 20;
  Sha256Hasher hasher;
  std::string piece;
  for (int64_t offset = 0; offset < total_bytes_; offset += kPiece) {
    piece.clear();
    Append(offset, std::min(kPiece, total_bytes_ - offset), &piece);
    hasher.Update(piece);
  }
  return hasher.Finish();
}

}  // namespace ingest::bench
