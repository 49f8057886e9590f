#include "services/gateway/request_validation.h"

#include "absl/strings/str_cat.h"
#include "services/gateway/session_id.h"

namespace ingest {

absl::Status ValidateInitializeSession(const v1::InitializeSessionRequest& request) {
  return ValidateProjectId(request.project_id());
}

absl::StatusOr<std::string> ValidatePushPayload(const v1::PushPayloadRequest& request,
                                                const RequestLimits& limits) {
  absl::StatusOr<std::string> project = ProjectOfSessionId(request.session_id());
  if (!project.ok()) return project.status();
  if (request.payload_id() == 0) {
    return absl::InvalidArgumentError(
        "payload_id must be at least 1 and increase by one per payload of the session");
  }
  if (request.content_encoding() != v1::CONTENT_ENCODING_UNSPECIFIED &&
      request.content_encoding() != v1::CONTENT_ENCODING_IDENTITY &&
      request.content_encoding() != v1::CONTENT_ENCODING_ZSTD) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown content_encoding ", request.content_encoding(),
                     ": use CONTENT_ENCODING_IDENTITY or CONTENT_ENCODING_ZSTD"));
  }
  const size_t size = request.content().ByteSizeLong();
  if (static_cast<int64_t>(size) > limits.max_payload_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "payload content is ", size, " bytes, over the unary limit of ", limits.max_payload_bytes,
        " bytes: send it with PushPayloadStream"));
  }
  return project;
}

}  // namespace ingest
