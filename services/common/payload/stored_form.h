#pragma once

// The stored form of a payload record (task.proto, message Payload): the
// bytes session_payloads.data will hold, built once, where they enter the
// pipeline. The gateway builds it from what the SDK sent; the worker builds
// it only for records of older gateways (content form).

#include <cstdint>

#include "absl/strings/string_view.h"
#include "ingest/v1/task.pb.h"

namespace ingest {

// The zstd level for identity content when nobody says otherwise: level 1
// costs the least CPU per byte, and rrweb JSON still compresses well at it.
inline constexpr int kDefaultStoredZstdLevel = 1;

// Fills the stored-form fields of `payload` for `raw`, the uncompressed
// bytes of the record (a whole serialized PayloadContent, or a chunk's slice
// of it): zstd at `zstd_level` when `compress`, else the bytes as they are;
// raw_size and raw_sha256 always describe `raw`. One pass over `raw` each for
// the digest and the compression; nothing else is copied.
void SetStoredForm(absl::string_view raw, bool compress, int zstd_level, v1::Payload* payload);

// True when `payload` is in stored form (raw_sha256 present).
inline bool HasStoredForm(const v1::Payload& payload) {
  return payload.raw_sha256().size() == 32;
}

}  // namespace ingest
