#include "services/common/codec/zstd_block_scanner.h"

#include <algorithm>

namespace ingest {
namespace {

constexpr int kBlockHeaderBytes = 3;
constexpr int kChecksumBytes = 4;
constexpr uint32_t kRleBlock = 1;
constexpr uint32_t kCompressedBlock = 2;

}  // namespace

void ZstdBlockScanner::StartFrame(bool has_checksum) {
  stage_ = Stage::kBlockHeader;
  has_checksum_ = has_checksum;
  last_block_ = false;
  header_ = 0;
  header_bytes_ = 0;
  remaining_ = 0;
}

ZstdBlockScanner::Stage ZstdBlockScanner::AfterBlock() {
  if (!last_block_) return Stage::kBlockHeader;
  if (!has_checksum_) return Stage::kDone;
  remaining_ = kChecksumBytes;
  return Stage::kChecksum;
}

absl::Status ZstdBlockScanner::Scan(absl::string_view bytes) {
  while (!bytes.empty() && stage_ != Stage::kDone) {
    if (stage_ == Stage::kBlockHeader) {
      header_ |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[0])) << (8 * header_bytes_);
      bytes.remove_prefix(1);
      if (++header_bytes_ < kBlockHeaderBytes) continue;
      const uint32_t type = (header_ >> 1) & 3;
      const uint32_t size = header_ >> 3;
      last_block_ = (header_ & 1) != 0;
      header_ = 0;
      header_bytes_ = 0;
      if (type == kCompressedBlock && size == 0) {
        return absl::InvalidArgumentError(
            "content is not valid zstd: a compressed block of 0 bytes (zstd's one-shot decoder "
            "refuses it as corrupt)");
      }
      // An RLE block's size is what it regenerates; its content is 1 byte.
      remaining_ = type == kRleBlock ? 1 : size;
      stage_ = remaining_ > 0 ? Stage::kBlockContent : AfterBlock();
      continue;
    }
    const uint64_t take = std::min<uint64_t>(remaining_, bytes.size());
    bytes.remove_prefix(take);
    remaining_ -= take;
    if (remaining_ > 0) continue;
    stage_ = stage_ == Stage::kBlockContent ? AfterBlock() : Stage::kDone;
  }
  return absl::OkStatus();
}

}  // namespace ingest
