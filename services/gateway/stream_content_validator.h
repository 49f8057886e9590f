#pragma once

// StreamContentValidator: the bounded zstd check of unary content
// (ValidatePushPayload) for streamed content, without holding it. The
// stream's content is a serialized PayloadContent; it is read field by
// field as pieces arrive (BytesFieldReader) and each non-empty bytes field
// is decompressed through a fixed buffer (ZstdStreamMeter), counting the
// decompressed bytes of all fields together against one limit. Each field
// must end its zstd frame where the field ends.
//
// Used only for CONTENT_ENCODING_ZSTD: identity content is not parsed.
// Fields PayloadContent does not know are skipped, as the unary check
// ignores them. Not thread-safe.

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "services/common/codec/bytes_field_reader.h"
#include "services/common/codec/zstd_stream_meter.h"

namespace ingest {

class StreamContentValidator final : private BytesFieldReader::Handler {
 public:
  explicit StreamContentValidator(int64_t max_decompressed_bytes)
      : remaining_(max_decompressed_bytes) {}

  // The next piece of the content. INVALID_ARGUMENT, naming the field, as
  // soon as it cannot be valid.
  absl::Status Update(absl::string_view piece) { return reader_.Update(piece); }

  // The content ended: INVALID_ARGUMENT if it ends inside a field.
  absl::Status Finish() { return reader_.Finish(); }

 private:
  absl::Status OnFieldStart(uint32_t field_number, uint64_t length) override;
  absl::Status OnFieldData(absl::string_view piece) override;
  absl::Status OnFieldEnd() override;
  // `status` of the current field, with its name and the flag to look at.
  absl::Status FieldError(const absl::Status& status) const;

  BytesFieldReader reader_{*this};
  ZstdStreamMeter meter_;
  // Decompressed bytes the remaining fields may still use.
  int64_t remaining_;
  // The field being measured; empty while skipping one.
  std::string field_name_;
};

}  // namespace ingest
