#pragma once

// What session_payloads.data holds and how it is encoded.
//
// data is a payload record's bytes — the serialized PayloadContent of a
// whole payload, or a streamed payload's slice of it — as storage_encoding
// says: 1 (zstd) for content the pipeline compressed, 0 (raw) for content
// the SDK compressed already and for rows older than schema v3. raw_size and
// data_sha256 always describe the uncompressed bytes. Readers (loadgen's
// verifier, broker-proxy, tests) decode through DecodeStoredData.
//
// Since task schema 2 the gateway builds this stored form (task.proto) and
// the worker writes it untouched; StoredPayload builds it only for records
// of older gateways.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ingest/v1/task.pb.h"
#include "services/common/payload/stored_form.h"

namespace ingest {

// session_payloads.storage_encoding values (those of v1::StorageEncoding).
enum class StorageEncoding : int16_t { kRaw = 0, kZstd = 1 };

// True for a chunk of a streamed payload (a stream always declares its total
// size, even when it fits in one chunk).
bool IsStreamedChunk(const v1::Task& task);

// True for the chunk that completes a streamed payload.
bool IsLastStreamChunk(const v1::Task& task);

// The uncompressed bytes of a content-form payload task: the serialized
// content of a whole payload, the chunk_data of a streamed chunk.
std::string StoredBytesOf(const v1::Task& task);

// The stored form of one payload record, ready for session_payloads: borrowed
// from a stored-form record (no copy, no hashing), built once from a
// content-form one. Borrows from the task, which must outlive it.
class StoredPayload {
 public:
  explicit StoredPayload(const v1::Task& task);

  absl::string_view data() const { return form().stored_data(); }
  StorageEncoding encoding() const {
    return static_cast<StorageEncoding>(form().storage_encoding());
  }
  int64_t raw_size() const { return static_cast<int64_t>(form().raw_size()); }
  // SHA-256 of the uncompressed bytes (32 bytes).
  const std::string& sha256() const { return form().raw_sha256(); }

 private:
  const v1::Payload& form() const { return borrowed_ != nullptr ? *borrowed_ : built_; }

  const v1::Payload* borrowed_ = nullptr;
  v1::Payload built_;  // content form only
};

// `raw` encoded as the worker stores it (kZstd at kDefaultStoredZstdLevel,
// the gateway's default: content-form records are stored as it would).
std::string EncodeStoredData(absl::string_view raw);

// The uncompressed bytes of a stored row. `raw_size` bounds the
// decompression (no zstd bomb from a damaged row) and must match it exactly.
// INVALID_ARGUMENT for an unknown encoding or damaged data.
absl::StatusOr<std::string> DecodeStoredData(int encoding, absl::string_view data,
                                             int64_t raw_size);

}  // namespace ingest
