#pragma once

// BytesFieldReader: reads the protobuf wire format of a message whose fields
// are all length-delimited (bytes, strings, messages; e.g. PayloadContent)
// as it arrives in pieces of any size, without holding it: each field is
// reported as its start (number and length), its bytes in the pieces they
// arrived in, and its end. Holds no more than one partial varint.
//
// INVALID_ARGUMENT for a field of another wire type, a malformed tag or
// length, and at Finish() for a message that ends inside a field; the
// handler's errors stop it too. After an error it must not be used again.
//
// Not thread-safe.

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ingest {

class BytesFieldReader {
 public:
  class Handler {
   public:
    virtual ~Handler() = default;
    virtual absl::Status OnFieldStart(uint32_t field_number, uint64_t length) = 0;
    // Consecutive bytes of the current field (never empty).
    virtual absl::Status OnFieldData(absl::string_view piece) = 0;
    virtual absl::Status OnFieldEnd() = 0;
  };

  // `handler` must outlive the reader.
  explicit BytesFieldReader(Handler& handler) : handler_(handler) {}

  // The next bytes of the message.
  absl::Status Update(absl::string_view piece);

  // The message ended.
  absl::Status Finish();

 private:
  enum class State { kTag, kLength, kData };

  // Adds one byte to the varint being read; true once it is complete.
  absl::StatusOr<bool> ReadVarintByte(uint8_t byte);
  absl::Status OnTag(uint64_t tag);
  absl::Status OnLength(uint64_t length);

  Handler& handler_;
  State state_ = State::kTag;
  uint64_t varint_ = 0;
  int varint_bytes_ = 0;
  uint32_t field_number_ = 0;
  uint64_t field_length_ = 0;
  uint64_t field_remaining_ = 0;
};

}  // namespace ingest
