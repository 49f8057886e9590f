#include "bench/common/stream_content.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "tools/loadgen/payload_factory.h"

namespace ingest::bench {
namespace {

using ::google::protobuf::io::CodedOutputStream;

// Length L of a bytes field such that tag + varint(L) + L == field_bytes, or
// nullopt in a gap of the varint prefix (it grows at 128, 16384, ...).
std::optional<int64_t> FieldLengthFor(int64_t field_bytes) {
  for (int prefix = 1; prefix <= 10; ++prefix) {
    const int64_t length = field_bytes - 1 - prefix;
    if (length < 0) return std::nullopt;
    if (static_cast<int>(CodedOutputStream::VarintSize64(length)) == prefix) return length;
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<v1::PayloadContent> MakeStreamContent(int64_t total_bytes, uint64_t seed) {
  if (total_bytes < 3) {
    return absl::InvalidArgumentError(
        absl::StrCat("a streamed payload needs at least 3 bytes, not ", total_bytes));
  }
  v1::PayloadContent content;
  std::optional<int64_t> events_length = FieldLengthFor(total_bytes);
  if (!events_length.has_value()) {
    // A 3-byte messages field closes the gap.
    content.set_messages(".");
    events_length = FieldLengthFor(total_bytes - 3);
  }
  if (!events_length.has_value()) {
    return absl::InternalError(absl::StrCat("no PayloadContent layout of ", total_bytes, " bytes"));
  }
  const std::string block =
      loadgen::PayloadFactory(
          {.seed = seed, .min_bytes = kStreamBlockBytes, .max_bytes = kStreamBlockBytes})
          .Make(0, 1)
          .events();
  std::string* events = content.mutable_events();
  events->reserve(static_cast<size_t>(*events_length));
  while (static_cast<int64_t>(events->size()) < *events_length) {
    events->append(block, 0, static_cast<size_t>(*events_length) - events->size());
  }
  return content;
}

}  // namespace ingest::bench
