#pragma once

// What session_payloads.data holds and how it is encoded.
//
// data is the payload's bytes as the SDK sent them: the serialized
// PayloadContent of a whole payload, or a streamed payload's chunk_data
// slice. Since schema v3 the worker stores them zstd-compressed
// (storage_encoding 1); older rows are raw (0). raw_size and data_sha256
// always describe the uncompressed bytes. Readers (the worker's stream
// verifier, loadgen's verifier, tests) decode through DecodeStoredData.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ingest/v1/task.pb.h"

namespace ingest {

// session_payloads.storage_encoding values.
enum class StorageEncoding : int16_t { kRaw = 0, kZstd = 1 };

// Level 1 favours the worker's CPU: payloads are mostly compressed JSON
// already, and higher levels buy little on them at several times the cost.
inline constexpr int kStoredPayloadZstdLevel = 1;

// True for a chunk of a streamed payload (a stream always declares its total
// size, even when it fits in one chunk).
bool IsStreamedChunk(const v1::Task& task);

// True for the chunk that completes a streamed payload.
bool IsLastStreamChunk(const v1::Task& task);

// The uncompressed bytes a payload task stores: the serialized content of a
// whole payload, the chunk_data of a streamed chunk.
std::string StoredBytesOf(const v1::Task& task);

// `raw` encoded as the worker stores it (kZstd at kStoredPayloadZstdLevel).
std::string EncodeStoredData(absl::string_view raw);

// The uncompressed bytes of a stored row. `raw_size` bounds the
// decompression (no zstd bomb from a damaged row) and must match it exactly.
// INVALID_ARGUMENT for an unknown encoding or damaged data.
absl::StatusOr<std::string> DecodeStoredData(int encoding, absl::string_view data,
                                             int64_t raw_size);

}  // namespace ingest
