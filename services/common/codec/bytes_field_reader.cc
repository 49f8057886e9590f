#include "services/common/codec/bytes_field_reader.h"

#include <algorithm>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "services/common/status/status_macros.h"

namespace ingest {
namespace {

constexpr int kLengthDelimited = 2;
constexpr int kMaxVarintBytes = 10;
constexpr uint64_t kMaxFieldNumber = (uint64_t{1} << 29) - 1;

}  // namespace

absl::Status BytesFieldReader::Update(absl::string_view piece) {
  while (!piece.empty()) {
    if (state_ == State::kData) {
      const size_t take = static_cast<size_t>(std::min<uint64_t>(field_remaining_, piece.size()));
      if (absl::Status status = handler_.OnFieldData(piece.substr(0, take)); !status.ok()) {
        return status;
      }
      piece.remove_prefix(take);
      field_remaining_ -= take;
      if (field_remaining_ == 0) {
        state_ = State::kTag;
        RETURN_IF_ERROR(handler_.OnFieldEnd());
      }
      continue;
    }
    absl::StatusOr<bool> complete = ReadVarintByte(static_cast<uint8_t>(piece.front()));
    piece.remove_prefix(1);
    if (!complete.ok()) return complete.status();
    if (!*complete) continue;
    const uint64_t value = varint_;
    varint_ = 0;
    varint_bytes_ = 0;
    if (absl::Status status = state_ == State::kTag ? OnTag(value) : OnLength(value);
        !status.ok()) {
      return status;
    }
  }
  return absl::OkStatus();
}

absl::Status BytesFieldReader::Finish() {
  if (state_ == State::kTag && varint_bytes_ == 0) return absl::OkStatus();
  if (state_ == State::kData) {
    return absl::InvalidArgumentError(
        absl::StrCat("content ends inside field ", field_number_, " (",
                     field_length_ - field_remaining_, " of its ", field_length_, " bytes)"));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "content ends inside the ", state_ == State::kTag ? "tag" : "length", " of a field"));
}

absl::StatusOr<bool> BytesFieldReader::ReadVarintByte(uint8_t byte) {
  if (varint_bytes_ == kMaxVarintBytes) {
    return absl::InvalidArgumentError("content is not a protobuf message: a varint is too long");
  }
  varint_ |= static_cast<uint64_t>(byte & 0x7f) << (7 * varint_bytes_);
  ++varint_bytes_;
  return (byte & 0x80) == 0;
}

absl::Status BytesFieldReader::OnTag(uint64_t tag) {
  const uint64_t field_number = tag >> 3;
  const int wire_type = static_cast<int>(tag & 7);
  if (field_number == 0 || field_number > kMaxFieldNumber) {
    return absl::InvalidArgumentError(
        absl::StrCat("content is not a protobuf message: field number ", field_number));
  }
  if (wire_type != kLengthDelimited) {
    return absl::InvalidArgumentError(
        absl::StrCat("content field ", field_number, " has wire type ", wire_type,
                     "; every field here must be length-delimited (bytes)"));
  }
  field_number_ = static_cast<uint32_t>(field_number);
  state_ = State::kLength;
  return absl::OkStatus();
}

absl::Status BytesFieldReader::OnLength(uint64_t length) {
  field_length_ = length;
  field_remaining_ = length;
  if (absl::Status status = handler_.OnFieldStart(field_number_, length); !status.ok()) {
    return status;
  }
  if (length > 0) {
    state_ = State::kData;
    return absl::OkStatus();
  }
  state_ = State::kTag;
  return handler_.OnFieldEnd();
}

}  // namespace ingest
