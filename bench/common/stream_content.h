#pragma once

// The content of one large streamed payload: a PayloadContent of exactly
// `total_bytes` serialized, whose `events` repeat a realistic block (plus,
// when the events field's varint length prefix leaves a gap, a one-byte
// `messages` field). The SDK streams it because it is above its
// stream_threshold_bytes.

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ingest/v1/ingest.pb.h"

namespace ingest::bench {

// INVALID_ARGUMENT if total_bytes < 3 or `block` is empty.
absl::StatusOr<v1::PayloadContent> MakeStreamContent(int64_t total_bytes, absl::string_view block);

}  // namespace ingest::bench
