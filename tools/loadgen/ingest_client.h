#pragma once

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ingest/v1/ingest.pb.h"

namespace ingest::loadgen {

// The Ingest RPCs the load generators make, as one blocking call each.
// The narrow seam between the session driver and gRPC: tests use a fake.
// Implementations must be safe to call from many threads at once.
class IngestClient {
 public:
  virtual ~IngestClient() = default;

  // Starts a session; returns its session_id.
  virtual absl::StatusOr<std::string> InitializeSession(
      const ingest::v1::InitializeSessionRequest& request) = 0;

  // Pushes one payload; OK means the gateway acknowledged it.
  virtual absl::Status PushPayload(
      const ingest::v1::PushPayloadRequest& request) = 0;

  // Pushes one payload with PushPayloadStream: `header` (its total_bytes
  // must equal content.size()), then `content` - the serialized
  // PayloadContent - cut into chunk messages of at most kStreamMessageBytes.
  // OK means the gateway acknowledged every chunk record. UNIMPLEMENTED
  // unless overridden (loadgen itself only makes unary pushes).
  virtual absl::Status PushPayloadStream(
      const ingest::v1::PayloadStreamHeader& header,
      absl::string_view content) {
    (void)header;
    (void)content;
    return absl::UnimplementedError("PushPayloadStream");
  }

  // Largest chunk message PushPayloadStream sends (well below gRPC's 4 MiB
  // default receive limit).
  static constexpr size_t kStreamMessageBytes = 1 << 20;
};

}  // namespace ingest::loadgen
