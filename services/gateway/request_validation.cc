#include "services/gateway/request_validation.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "services/common/codec/zstd_bounds.h"
#include "services/common/status/status_macros.h"

namespace ingest {
namespace {

absl::Status CheckPayloadId(uint64_t payload_id) {
  if (payload_id == 0) {
    return absl::InvalidArgumentError(
        "payload_id must be at least 1 and increase by one per payload of the session");
  }
  return absl::OkStatus();
}

absl::Status CheckEncoding(v1::ContentEncoding encoding) {
  if (encoding != v1::CONTENT_ENCODING_UNSPECIFIED && encoding != v1::CONTENT_ENCODING_IDENTITY &&
      encoding != v1::CONTENT_ENCODING_ZSTD) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown content_encoding ", encoding,
                     ": use CONTENT_ENCODING_IDENTITY or CONTENT_ENCODING_ZSTD"));
  }
  return absl::OkStatus();
}

absl::Status CheckField(absl::string_view name, absl::string_view value,
                        const RequestLimits& limits) {
  if (static_cast<int64_t>(value.size()) > limits.max_field_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(name, " is ", value.size(),
                                                   " bytes, over the limit of ",
                                                   limits.max_field_bytes));
  }
  return absl::OkStatus();
}

absl::Status CheckMap(absl::string_view name,
                      const google::protobuf::Map<std::string, std::string>& map,
                      const RequestLimits& limits) {
  if (static_cast<int>(map.size()) > limits.max_map_entries) {
    return absl::InvalidArgumentError(absl::StrCat(name, " has ", map.size(),
                                                   " entries, over the limit of ",
                                                   limits.max_map_entries));
  }
  for (const auto& [key, value] : map) {
    if (key.empty()) return absl::InvalidArgumentError(absl::StrCat(name, " has an empty key"));
    if (absl::Status status = CheckField(absl::StrCat(name, " key"), key, limits); !status.ok()) {
      return status;
    }
    if (absl::Status status = CheckField(absl::StrCat(name, "[", key.substr(0, 64), "]"), value,
                                         limits);
        !status.ok()) {
      return status;
    }
  }
  return absl::OkStatus();
}

absl::Status CheckBatchSize(absl::string_view name, int size, const RequestLimits& limits) {
  if (size == 0) return absl::InvalidArgumentError(absl::StrCat(name, " is empty"));
  if (size > limits.max_batch_items) {
    return absl::InvalidArgumentError(absl::StrCat(name, " has ", size,
                                                   " items, over the limit of ",
                                                   limits.max_batch_items,
                                                   ": split the call"));
  }
  return absl::OkStatus();
}

// An optional session (backend errors, metrics) must still be ours.
absl::Status CheckOptionalSession(const std::string& session_id, const SessionIds& ids,
                                  const std::string& project) {
  return session_id.empty() ? absl::OkStatus() : ids.CheckOwnedBy(session_id, project);
}

// Each non-empty field of zstd-encoded content must be valid zstd, and all
// together must stay within the decompressed limit.
absl::Status CheckZstdContent(const v1::PayloadContent& content, const RequestLimits& limits) {
  int64_t budget = limits.max_decompressed_bytes;
  for (const auto& [name, field] :
       {std::pair<const char*, const std::string&>{"events", content.events()},
        {"messages", content.messages()},
        {"resources", content.resources()},
        {"web_socket_events", content.web_socket_events()},
        {"errors", content.errors()}}) {
    if (field.empty()) continue;
    absl::StatusOr<int64_t> size = ZstdDecompressedSize(field, budget);
    if (!size.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("content.", name, ": ", size.status().message(),
                       " (content_encoding is ZSTD; limit --max_decompressed_bytes)"));
    }
    budget -= *size;
  }
  return absl::OkStatus();
}

// What to do instead of sending `rpc` a message over the size limit.
absl::string_view OversizeHint(absl::string_view rpc) {
  if (rpc == "PushPayload") return "send the payload with PushPayloadStream";
  if (rpc == "PushPayloadStream") return "send the content in smaller chunk messages";
  return "split the call";
}

}  // namespace

absl::Status CheckRequestSize(absl::string_view rpc, size_t bytes, const RequestLimits& limits) {
  if (static_cast<int64_t>(bytes) <= limits.max_message_bytes) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(rpc, " message is ", bytes,
                                                 " bytes, over the gateway's limit of ",
                                                 limits.max_message_bytes, " bytes per message: ",
                                                 OversizeHint(rpc)));
}

absl::Status ValidateInitializeSession(const v1::InitializeSessionRequest& request,
                                       const std::string& project) {
  if (!request.project_id().empty() && request.project_id() != project) {
    return absl::PermissionDeniedError(absl::StrCat(
        "project_id ", request.project_id(), " does not match the API key's project: ",
        "use that project's key or leave project_id empty"));
  }
  return absl::OkStatus();
}

absl::Status ValidatePushPayload(const v1::PushPayloadRequest& request, const RequestLimits& limits,
                                 const SessionIds& ids, const std::string& project) {
  if (absl::Status status = ids.CheckOwnedBy(request.session_id(), project); !status.ok()) {
    return status;
  }
  RETURN_IF_ERROR(CheckPayloadId(request.payload_id()));
  RETURN_IF_ERROR(CheckEncoding(request.content_encoding()));
  const size_t size = request.content().ByteSizeLong();
  if (static_cast<int64_t>(size) > limits.max_payload_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "payload content is ", size, " bytes, over the unary limit of ", limits.max_payload_bytes,
        " bytes: send it with PushPayloadStream"));
  }
  if (request.content_encoding() == v1::CONTENT_ENCODING_ZSTD) {
    return CheckZstdContent(request.content(), limits);
  }
  return absl::OkStatus();
}

absl::Status ValidateStreamHeader(const v1::PayloadStreamHeader& header,
                                  const RequestLimits& limits, const SessionIds& ids,
                                  const std::string& project) {
  if (absl::Status status = ids.CheckOwnedBy(header.session_id(), project); !status.ok()) {
    return status;
  }
  RETURN_IF_ERROR(CheckPayloadId(header.payload_id()));
  RETURN_IF_ERROR(CheckEncoding(header.content_encoding()));
  if (header.total_bytes() == 0) {
    return absl::InvalidArgumentError(
        "header.total_bytes must be the exact size of the content (at least 1 byte)");
  }
  if (header.total_bytes() > static_cast<uint64_t>(limits.max_stream_bytes)) {
    return absl::InvalidArgumentError(absl::StrCat("header.total_bytes ", header.total_bytes(),
                                                   " is over the limit of ",
                                                   limits.max_stream_bytes, " bytes"));
  }
  if (!header.sha256().empty() && header.sha256().size() != 32) {
    return absl::InvalidArgumentError("header.sha256 must be 32 bytes (a SHA-256 digest) or empty");
  }
  return absl::OkStatus();
}

absl::Status ValidateIdentifySession(const v1::IdentifySessionRequest& request,
                                     const RequestLimits& limits, const SessionIds& ids,
                                     const std::string& project) {
  if (absl::Status status = ids.CheckOwnedBy(request.session_id(), project); !status.ok()) {
    return status;
  }
  if (request.user_identifier().empty()) {
    return absl::InvalidArgumentError("user_identifier is empty: send the user's id or email");
  }
  if (absl::Status status = CheckField("user_identifier", request.user_identifier(), limits);
      !status.ok()) {
    return status;
  }
  return CheckMap("user_object", request.user_object(), limits);
}

absl::Status ValidateAddSessionProperties(const v1::AddSessionPropertiesRequest& request,
                                          const RequestLimits& limits, const SessionIds& ids,
                                          const std::string& project) {
  if (absl::Status status = ids.CheckOwnedBy(request.session_id(), project); !status.ok()) {
    return status;
  }
  if (request.properties().empty()) return absl::InvalidArgumentError("properties is empty");
  return CheckMap("properties", request.properties(), limits);
}

absl::Status ValidateAddSessionFeedback(const v1::AddSessionFeedbackRequest& request,
                                        const RequestLimits& limits, const SessionIds& ids,
                                        const std::string& project) {
  if (absl::Status status = ids.CheckOwnedBy(request.session_id(), project); !status.ok()) {
    return status;
  }
  if (request.verbatim().empty()) return absl::InvalidArgumentError("verbatim is empty");
  for (const auto& [name, value] :
       {std::pair<const char*, const std::string&>{"verbatim", request.verbatim()},
        {"user_name", request.user_name()},
        {"user_email", request.user_email()}}) {
    RETURN_IF_ERROR(CheckField(name, value, limits));
  }
  if (request.timestamp_ms() < 0) return absl::InvalidArgumentError("timestamp_ms is negative");
  return absl::OkStatus();
}

absl::Status ValidatePushBackendErrors(const v1::PushBackendErrorsRequest& request,
                                       const RequestLimits& limits, const SessionIds& ids,
                                       const std::string& project) {
  if (absl::Status status = CheckBatchSize("errors", request.errors_size(), limits);
      !status.ok()) {
    return status;
  }
  for (int i = 0; i < request.errors_size(); ++i) {
    const v1::BackendError& error = request.errors(i);
    if (absl::Status status = CheckOptionalSession(error.session_id(), ids, project);
        !status.ok()) {
      return absl::Status(status.code(), absl::StrCat("errors[", i, "]: ", status.message()));
    }
    if (error.event().empty()) {
      return absl::InvalidArgumentError(absl::StrCat("errors[", i, "].event is empty"));
    }
    if (static_cast<int64_t>(error.ByteSizeLong()) > 4 * limits.max_field_bytes) {
      return absl::InvalidArgumentError(absl::StrCat("errors[", i, "] is over ",
                                                     4 * limits.max_field_bytes, " bytes"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidatePushMetrics(const v1::PushMetricsRequest& request,
                                 const RequestLimits& limits, const SessionIds& ids,
                                 const std::string& project) {
  if (absl::Status status = CheckBatchSize("metrics", request.metrics_size(), limits);
      !status.ok()) {
    return status;
  }
  for (int i = 0; i < request.metrics_size(); ++i) {
    const v1::Metric& metric = request.metrics(i);
    if (absl::Status status = CheckOptionalSession(metric.session_id(), ids, project);
        !status.ok()) {
      return absl::Status(status.code(), absl::StrCat("metrics[", i, "]: ", status.message()));
    }
    if (metric.name().empty()) {
      return absl::InvalidArgumentError(absl::StrCat("metrics[", i, "].name is empty"));
    }
    if (!std::isfinite(metric.value())) {
      return absl::InvalidArgumentError(absl::StrCat("metrics[", i, "].value is not finite"));
    }
    if (absl::Status status = CheckMap(absl::StrCat("metrics[", i, "].tags"), metric.tags(), limits);
        !status.ok()) {
      return status;
    }
  }
  return absl::OkStatus();
}

}  // namespace ingest
