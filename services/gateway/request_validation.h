#pragma once

// Checks of incoming requests, before anything is produced. Every rejection
// is INVALID_ARGUMENT with a message that says what to change.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "ingest/v1/ingest.pb.h"

namespace ingest {

struct RequestLimits {
  // Largest PayloadContent (serialized) accepted by the unary PushPayload.
  int64_t max_payload_bytes = 8 << 20;
};

absl::Status ValidateInitializeSession(const v1::InitializeSessionRequest& request);

// Returns the session's project on success.
absl::StatusOr<std::string> ValidatePushPayload(const v1::PushPayloadRequest& request,
                                                const RequestLimits& limits);

}  // namespace ingest
