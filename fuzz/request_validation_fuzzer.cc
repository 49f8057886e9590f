// Ingest RPC requests from the network, as the gateway validates them before
// producing anything (request_validation.h). The first byte picks the RPC
// (low 3 bits) and what to do with the session ids the message carries
// (bits 3-4: keep them, or swap in an id this deployment issued to the
// call's project or to another project, so the checks behind the session
// check are reached); the rest is the request message's wire bytes.
//
// Checks: nothing crashes; a rejection is INVALID_ARGUMENT or, for a session
// of another project or deployment, PERMISSION_DENIED; a request accepted
// meets every rule the header and ingest.proto state (session owned by the
// project, payload_id >= 1, a known encoding, sizes and counts within the
// default RequestLimits, valid zstd within the decompressed limit, ...); an
// issued session of another project is refused PERMISSION_DENIED and one of
// the call's project never is; a request that plainly meets the rules is
// accepted.

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_input.h"
#include "google/protobuf/stubs/logging.h"
#include "ingest/v1/ingest.pb.h"
#include "services/common/codec/zstd_bounds.h"
#include "services/gateway/request_validation.h"
#include "services/gateway/session_id.h"

namespace ingest {
namespace {

constexpr char kProject[] = "fuzz-project";
constexpr char kOtherProject[] = "other-project";

enum class SessionMode { kKeep, kOwn, kOther };

struct Context {
  const SessionIds ids{"fuzz-secret-0123456789abcdef"};
  const RequestLimits limits{};  // the defaults
  const std::string project = kProject;
  const std::string own_session = ids.New(kProject);
  const std::string other_session = ids.New(kOtherProject);
};

const Context& Ctx() {
  static const Context* const context = new Context();
  return *context;
}

void Require(bool condition) {
  if (!condition) std::abort();
}

// The session id a message carries after `mode`.
void Substitute(SessionMode mode, std::string* session_id) {
  if (mode == SessionMode::kOwn) *session_id = Ctx().own_session;
  if (mode == SessionMode::kOther) *session_id = Ctx().other_session;
}

// A rejection is one of the two codes the header promises.
void CheckCode(const absl::Status& status) {
  Require(status.ok() || status.code() == absl::StatusCode::kInvalidArgument ||
          status.code() == absl::StatusCode::kPermissionDenied);
}

// For a call whose session check comes first: what the swapped-in id implies.
void CheckSessionVerdict(SessionMode mode, const absl::Status& status) {
  if (mode == SessionMode::kOther) Require(status.code() == absl::StatusCode::kPermissionDenied);
  if (mode == SessionMode::kOwn) Require(status.code() != absl::StatusCode::kPermissionDenied);
}

bool Owned(const std::string& session_id) {
  return Ctx().ids.CheckOwnedBy(session_id, Ctx().project).ok();
}

bool OptionalOwned(const std::string& session_id) {
  return session_id.empty() || Owned(session_id);
}

bool FieldFits(const std::string& value) {
  return static_cast<int64_t>(value.size()) <= Ctx().limits.max_field_bytes;
}

bool MapFits(const google::protobuf::Map<std::string, std::string>& map) {
  if (static_cast<int>(map.size()) > Ctx().limits.max_map_entries) return false;
  for (const auto& [key, value] : map) {
    if (key.empty() || !FieldFits(key) || !FieldFits(value)) return false;
  }
  return true;
}

bool KnownEncoding(v1::ContentEncoding encoding) {
  return encoding == v1::CONTENT_ENCODING_UNSPECIFIED ||
         encoding == v1::CONTENT_ENCODING_IDENTITY || encoding == v1::CONTENT_ENCODING_ZSTD;
}

// ZSTD content: each non-empty field valid zstd, all within the limit.
bool ZstdContentFits(const v1::PayloadContent& content) {
  int64_t total = 0;
  for (const std::string* field : {&content.events(), &content.messages(), &content.resources(),
                                   &content.web_socket_events(), &content.errors()}) {
    if (field->empty()) continue;
    const absl::StatusOr<int64_t> size =
        ZstdDecompressedSize(*field, Ctx().limits.max_decompressed_bytes);
    if (!size.ok()) return false;
    total += *size;
  }
  return total <= Ctx().limits.max_decompressed_bytes;
}

void InitializeSession(absl::string_view bytes) {
  v1::InitializeSessionRequest request;
  if (!request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return;
  const absl::Status status = ValidateInitializeSession(request, Ctx().project);
  CheckCode(status);
  Require(status.ok() == (request.project_id().empty() || request.project_id() == kProject));
}

void PushPayload(absl::string_view bytes, SessionMode mode) {
  v1::PushPayloadRequest request;
  if (!request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return;
  Substitute(mode, request.mutable_session_id());
  const absl::Status status = ValidatePushPayload(request, Ctx().limits, Ctx().ids, Ctx().project);
  CheckCode(status);
  CheckSessionVerdict(mode, status);
  const bool zstd = request.content_encoding() == v1::CONTENT_ENCODING_ZSTD;
  const bool size_fits =
      static_cast<int64_t>(request.content().ByteSizeLong()) <= Ctx().limits.max_payload_bytes;
  if (status.ok()) {
    Require(Owned(request.session_id()));
    Require(request.payload_id() >= 1);
    Require(KnownEncoding(request.content_encoding()));
    Require(size_fits);
    if (zstd) Require(ZstdContentFits(request.content()));
  } else if (mode == SessionMode::kOwn && request.payload_id() >= 1 &&
             KnownEncoding(request.content_encoding()) && size_fits) {
    // Refused for its content only: it must be zstd that does not fit.
    Require(zstd && !ZstdContentFits(request.content()));
  }
}

void PushPayloadStream(absl::string_view bytes, SessionMode mode) {
  // Only the stream's first message, its header, is validated here.
  v1::PushPayloadStreamRequest request;
  if (!request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return;
  Require(CheckRequestSize("PushPayloadStream", request.ByteSizeLong(), Ctx().limits).ok());
  if (!request.has_header()) return;
  v1::PayloadStreamHeader& header = *request.mutable_header();
  Substitute(mode, header.mutable_session_id());
  const absl::Status status = ValidateStreamHeader(header, Ctx().limits, Ctx().ids, Ctx().project);
  CheckCode(status);
  CheckSessionVerdict(mode, status);
  const bool rules = header.payload_id() >= 1 && KnownEncoding(header.content_encoding()) &&
                     header.total_bytes() >= 1 &&
                     header.total_bytes() <= static_cast<uint64_t>(Ctx().limits.max_stream_bytes) &&
                     (header.sha256().empty() || header.sha256().size() == 32);
  if (status.ok()) Require(Owned(header.session_id()) && rules);
  if (mode == SessionMode::kOwn) Require(status.ok() == rules);
}

void IdentifySession(absl::string_view bytes, SessionMode mode) {
  v1::IdentifySessionRequest request;
  if (!request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return;
  Substitute(mode, request.mutable_session_id());
  const absl::Status status =
      ValidateIdentifySession(request, Ctx().limits, Ctx().ids, Ctx().project);
  CheckCode(status);
  CheckSessionVerdict(mode, status);
  const bool rules = !request.user_identifier().empty() && FieldFits(request.user_identifier()) &&
                     MapFits(request.user_object());
  if (status.ok()) Require(Owned(request.session_id()) && rules);
  if (mode == SessionMode::kOwn) Require(status.ok() == rules);
}

void AddSessionProperties(absl::string_view bytes, SessionMode mode) {
  v1::AddSessionPropertiesRequest request;
  if (!request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return;
  Substitute(mode, request.mutable_session_id());
  const absl::Status status =
      ValidateAddSessionProperties(request, Ctx().limits, Ctx().ids, Ctx().project);
  CheckCode(status);
  CheckSessionVerdict(mode, status);
  const bool rules = !request.properties().empty() && MapFits(request.properties());
  if (status.ok()) Require(Owned(request.session_id()) && rules);
  if (mode == SessionMode::kOwn) Require(status.ok() == rules);
}

void AddSessionFeedback(absl::string_view bytes, SessionMode mode) {
  v1::AddSessionFeedbackRequest request;
  if (!request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return;
  Substitute(mode, request.mutable_session_id());
  const absl::Status status =
      ValidateAddSessionFeedback(request, Ctx().limits, Ctx().ids, Ctx().project);
  CheckCode(status);
  CheckSessionVerdict(mode, status);
  const bool rules = !request.verbatim().empty() && FieldFits(request.verbatim()) &&
                     FieldFits(request.user_name()) && FieldFits(request.user_email()) &&
                     request.timestamp_ms() >= 0;
  if (status.ok()) Require(Owned(request.session_id()) && rules);
  if (mode == SessionMode::kOwn) Require(status.ok() == rules);
}

// Backend errors and metrics: the session is optional per item; `mode`
// applies to the items that name one.
void PushBackendErrors(absl::string_view bytes, SessionMode mode) {
  v1::PushBackendErrorsRequest request;
  if (!request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return;
  for (v1::BackendError& error : *request.mutable_errors()) {
    if (!error.session_id().empty()) Substitute(mode, error.mutable_session_id());
  }
  const absl::Status status =
      ValidatePushBackendErrors(request, Ctx().limits, Ctx().ids, Ctx().project);
  CheckCode(status);
  bool rules = request.errors_size() >= 1 && request.errors_size() <= Ctx().limits.max_batch_items;
  bool sessions = true;
  for (const v1::BackendError& error : request.errors()) {
    sessions = sessions && OptionalOwned(error.session_id());
    rules = rules && !error.event().empty() &&
            static_cast<int64_t>(error.ByteSizeLong()) <= 4 * Ctx().limits.max_field_bytes;
  }
  if (status.ok()) Require(sessions && rules);
  if (mode == SessionMode::kOwn) Require(status.ok() == rules);
}

void PushMetrics(absl::string_view bytes, SessionMode mode) {
  v1::PushMetricsRequest request;
  if (!request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return;
  for (v1::Metric& metric : *request.mutable_metrics()) {
    if (!metric.session_id().empty()) Substitute(mode, metric.mutable_session_id());
  }
  const absl::Status status = ValidatePushMetrics(request, Ctx().limits, Ctx().ids, Ctx().project);
  CheckCode(status);
  bool rules =
      request.metrics_size() >= 1 && request.metrics_size() <= Ctx().limits.max_batch_items;
  bool sessions = true;
  for (const v1::Metric& metric : request.metrics()) {
    sessions = sessions && OptionalOwned(metric.session_id());
    rules =
        rules && !metric.name().empty() && std::isfinite(metric.value()) && MapFits(metric.tags());
  }
  if (status.ok()) Require(sessions && rules);
  if (mode == SessionMode::kOwn) Require(status.ok() == rules);
}

}  // namespace
}  // namespace ingest

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Protobuf logs every string field of invalid UTF-8 it refuses to parse.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using ingest::SessionMode;
  ingest::fuzz::FuzzInput input(data, size);
  const uint8_t choice = input.Byte();
  const absl::string_view bytes = input.Rest();
  static constexpr SessionMode kModes[] = {SessionMode::kKeep, SessionMode::kOwn,
                                           SessionMode::kOther, SessionMode::kKeep};
  const SessionMode mode = kModes[(choice >> 3) & 3];

  // Every RPC's message size check: refused exactly over the limit.
  const absl::Status size_check =
      ingest::CheckRequestSize("PushPayload", bytes.size(), ingest::Ctx().limits);
  if (static_cast<int64_t>(bytes.size()) > ingest::Ctx().limits.max_message_bytes) {
    ingest::Require(size_check.code() == absl::StatusCode::kInvalidArgument);
    return 0;
  }
  ingest::Require(size_check.ok());

  switch (choice & 7) {
    case 0:
      ingest::InitializeSession(bytes);
      break;
    case 1:
      ingest::PushPayload(bytes, mode);
      break;
    case 2:
      ingest::PushPayloadStream(bytes, mode);
      break;
    case 3:
      ingest::IdentifySession(bytes, mode);
      break;
    case 4:
      ingest::AddSessionProperties(bytes, mode);
      break;
    case 5:
      ingest::AddSessionFeedback(bytes, mode);
      break;
    case 6:
      ingest::PushBackendErrors(bytes, mode);
      break;
    case 7:
      ingest::PushMetrics(bytes, mode);
      break;
  }
  return 0;
}
