#pragma once

// The content of one large streamed payload: a PayloadContent of exactly
// `total_bytes` serialized, whose `events` repeat one realistic 1 MB block
// (tools/loadgen's PayloadFactory, seeded with `seed`; plus, when the events
// field's varint length prefix leaves a gap, a one-byte `messages` field).
// The SDK streams it because it is above its stream_threshold_bytes.

#include <cstdint>

#include "absl/status/statusor.h"
#include "ingest/v1/ingest.pb.h"

namespace ingest::bench {

// The size of the block the events repeat.
inline constexpr size_t kStreamBlockBytes = 1 << 20;

// INVALID_ARGUMENT if total_bytes < 3.
absl::StatusOr<v1::PayloadContent> MakeStreamContent(int64_t total_bytes, uint64_t seed);

}  // namespace ingest::bench
