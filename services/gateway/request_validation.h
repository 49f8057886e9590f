#pragma once

// Checks of incoming requests, before anything is produced or allocated.
// Every rejection is INVALID_ARGUMENT (or PERMISSION_DENIED for a session of
// another project) with a message that says what to change.

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "ingest/v1/ingest.pb.h"
#include "services/gateway/session_id.h"

namespace ingest {

struct RequestLimits {
  // Largest request message of any RPC, one stream message included. The
  // gateway checks it itself (CheckRequestSize): gRPC's own receive limit is
  // set out of its way (gateway_server.cc), because gRPC refuses a message
  // over it with RESOURCE_EXHAUSTED before any handler runs.
  int64_t max_message_bytes = 16 << 20;
  // Largest PayloadContent (serialized) accepted by the unary PushPayload.
  int64_t max_payload_bytes = 8 << 20;
  // zstd-encoded content may decompress to at most this many bytes (all
  // fields together); checked by bounded streaming, never by inflating.
  int64_t max_decompressed_bytes = int64_t{256} << 20;
  // Largest content accepted by PushPayloadStream.
  int64_t max_stream_bytes = int64_t{1} << 30;
  // Identify / properties / tags: entries per map and bytes per key or value.
  int max_map_entries = 256;
  int64_t max_field_bytes = 64 << 10;
  // Backend errors or metrics per call.
  int max_batch_items = 1000;
};

// A request message of `rpc` of `bytes` bytes: INVALID_ARGUMENT over
// limits.max_message_bytes, saying what to send instead (PushPayload: the
// stream).
absl::Status CheckRequestSize(absl::string_view rpc, size_t bytes, const RequestLimits& limits);

// `project` is the project of the call's API key.
absl::Status ValidateInitializeSession(const v1::InitializeSessionRequest& request,
                                       const std::string& project);
absl::Status ValidatePushPayload(const v1::PushPayloadRequest& request, const RequestLimits& limits,
                                 const SessionIds& ids, const std::string& project);
absl::Status ValidateStreamHeader(const v1::PayloadStreamHeader& header,
                                  const RequestLimits& limits, const SessionIds& ids,
                                  const std::string& project);
absl::Status ValidateIdentifySession(const v1::IdentifySessionRequest& request,
                                     const RequestLimits& limits, const SessionIds& ids,
                                     const std::string& project);
absl::Status ValidateAddSessionProperties(const v1::AddSessionPropertiesRequest& request,
                                          const RequestLimits& limits, const SessionIds& ids,
                                          const std::string& project);
absl::Status ValidateAddSessionFeedback(const v1::AddSessionFeedbackRequest& request,
                                        const RequestLimits& limits, const SessionIds& ids,
                                        const std::string& project);
absl::Status ValidatePushBackendErrors(const v1::PushBackendErrorsRequest& request,
                                       const RequestLimits& limits, const SessionIds& ids,
                                       const std::string& project);
absl::Status ValidatePushMetrics(const v1::PushMetricsRequest& request,
                                 const RequestLimits& limits, const SessionIds& ids,
                                 const std::string& project);

}  // namespace ingest
