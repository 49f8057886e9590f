#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ingest/v1/ingest.pb.h"

namespace ingest::loadgen {

// The two Ingest RPCs the load generator makes, as one blocking call each.
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
};

}  // namespace ingest::loadgen
