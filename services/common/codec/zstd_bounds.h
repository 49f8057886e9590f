#pragma once

// Bounded zstd inspection: never decompresses more than a caller-given
// number of bytes, whatever the input claims (no zstd bomb).

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ingest {

// The decompressed size of `compressed` (one or more zstd frames), found by
// streaming it through a fixed scratch buffer. INVALID_ARGUMENT if it is not
// valid zstd or would decompress to more than `max_decompressed_bytes`.
absl::StatusOr<int64_t> ZstdDecompressedSize(absl::string_view compressed,
                                             int64_t max_decompressed_bytes);

// Decompresses `compressed` if it fits in `max_decompressed_bytes`.
absl::StatusOr<std::string> ZstdDecompressBounded(absl::string_view compressed,
                                                  int64_t max_decompressed_bytes);

// Compresses `data` at `level` (for tests and the worker's storage).
std::string ZstdCompress(absl::string_view data, int level = 3);

}  // namespace ingest
