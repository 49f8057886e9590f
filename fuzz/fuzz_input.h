#pragma once

// FuzzInput: reads a fuzzer's bytes front to back as the few choices and
// pieces a target needs. Reading past the end yields zeros and empty
// pieces, so every input, however short, is a complete run.

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace ingest::fuzz {

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : rest_(reinterpret_cast<const char*>(data), size) {}

  bool empty() const { return rest_.empty(); }
  size_t size() const { return rest_.size(); }

  uint8_t Byte() {
    if (rest_.empty()) return 0;
    const uint8_t byte = static_cast<uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return byte;
  }

  // Little-endian.
  uint16_t U16() {
    const uint16_t low = Byte();
    return static_cast<uint16_t>(low | (uint16_t{Byte()} << 8));
  }
  uint64_t U64() {
    uint64_t value = 0;
    for (int i = 0; i < 8; ++i) value |= uint64_t{Byte()} << (8 * i);
    return value;
  }

  // The next `n` bytes (fewer at the end).
  absl::string_view Bytes(size_t n) {
    const absl::string_view piece = rest_.substr(0, n);
    rest_.remove_prefix(piece.size());
    return piece;
  }

  // A piece written as a 16-bit little-endian length and its bytes.
  absl::string_view LengthPrefixed() { return Bytes(U16()); }

  // Everything left.
  absl::string_view Rest() { return Bytes(rest_.size()); }

 private:
  absl::string_view rest_;
};

}  // namespace ingest::fuzz
