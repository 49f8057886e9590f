#include "services/gateway/stream_content_validator.h"

#include "absl/strings/str_cat.h"
#include "ingest/v1/ingest.pb.h"

namespace ingest {

absl::Status StreamContentValidator::OnFieldStart(uint32_t field_number, uint64_t length) {
  const google::protobuf::FieldDescriptor* field =
      v1::PayloadContent::descriptor()->FindFieldByNumber(static_cast<int>(field_number));
  // Empty fields are skipped like in the unary check; unknown ones are not
  // read back by anyone, so there is nothing to measure.
  if (field == nullptr || field->type() != google::protobuf::FieldDescriptor::TYPE_BYTES ||
      length == 0) {
    field_name_.clear();
    return absl::OkStatus();
  }
  field_name_ = field->name();
  meter_.Start(remaining_);
  return absl::OkStatus();
}

absl::Status StreamContentValidator::OnFieldData(absl::string_view piece) {
  if (field_name_.empty()) return absl::OkStatus();
  absl::Status status = meter_.Update(piece);
  return status.ok() ? status : FieldError(status);
}

absl::Status StreamContentValidator::OnFieldEnd() {
  if (field_name_.empty()) return absl::OkStatus();
  if (absl::Status status = meter_.Finish(); !status.ok()) return FieldError(status);
  remaining_ -= meter_.decompressed_bytes();
  field_name_.clear();
  return absl::OkStatus();
}

absl::Status StreamContentValidator::FieldError(const absl::Status& status) const {
  return absl::InvalidArgumentError(
      absl::StrCat("content.", field_name_, ": ", status.message(),
                   " (content_encoding is ZSTD; limit --max_decompressed_bytes)"));
}

}  // namespace ingest
