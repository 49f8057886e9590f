#include "client/cpp/session_impl.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "client/cpp/encoded_payload.h"
#include "client/cpp/retried_call.h"
#include "client/cpp/unary_call.h"
#include "services/common/status/status_macros.h"

namespace ingest::client {
namespace {

absl::StatusOr<PushResult> ToPushResult(uint64_t payload_id, int64_t content_bytes,
                                        CallOutcome outcome) {
  if (!outcome.status.ok()) return outcome.status;
  PushResult result;
  result.payload_id = payload_id;
  result.streamed = outcome.streamed;
  result.attempts = outcome.attempts;
  result.content_bytes = content_bytes;
  if (outcome.streamed) {
    result.partition = outcome.stream_response.partition();
    result.offset = outcome.stream_response.first_offset();
    result.last_offset = outcome.stream_response.last_offset();
    result.chunk_count = outcome.stream_response.chunk_count();
    return result;
  }
  v1::PushPayloadResponse response;
  if (absl::Status parsed = ParseAnswer("PushPayload", outcome.response, response); !parsed.ok()) {
    return parsed;
  }
  result.partition = response.partition();
  result.offset = response.offset();
  result.last_offset = response.offset();
  return result;
}

}  // namespace

std::string SessionImpl::Subject(absl::string_view what) const {
  return absl::StrCat(what, " (session ", id_, ")");
}

void SessionImpl::StartPush(uint64_t payload_id, v1::PayloadContent content,
                            const PushOptions& options, PushCallback done) {
  std::shared_ptr<const EncodedPayload> payload =
      EncodePayload(id_, payload_id, options.content_encoding, options.is_beacon,
                    options.has_session_unloaded, std::move(content));
  const int64_t bytes = payload->content_bytes();
  CallSpec spec;
  spec.rpc = "PushPayload";
  spec.stream = bytes > core_->options().stream_threshold_bytes;
  spec.payload = std::move(payload);
  spec.subject = absl::StrCat("the payload (session ", id_, ", id ", payload_id, ")");
  spec.session_id = id_;
  StartRetriedCall(*core_, std::move(spec),
                   [payload_id, bytes, done = std::move(done)](CallOutcome outcome) mutable {
                     std::move(done)(ToPushResult(payload_id, bytes, std::move(outcome)));
                   });
}

absl::StatusOr<PushResult> SessionImpl::PushAndWait(uint64_t payload_id,
                                                    v1::PayloadContent content,
                                                    const PushOptions& options) {
  absl::Notification finished;
  absl::StatusOr<PushResult> result;
  StartPush(payload_id, std::move(content), options, [&](absl::StatusOr<PushResult> r) {
    result = std::move(r);
    finished.Notify();
  });
  finished.WaitForNotification();
  return result;
}

absl::StatusOr<PushResult> SessionImpl::Push(v1::PayloadContent content,
                                             const PushOptions& options) {
  return PushAndWait(next_payload_id_.fetch_add(1), std::move(content), options);
}

absl::StatusOr<PushResult> SessionImpl::PushWithId(uint64_t payload_id,
                                                   v1::PayloadContent content,
                                                   const PushOptions& options) {
  if (payload_id == 0 || payload_id >= next_payload_id_.load()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "PushWithId(", payload_id, "): only an id this session already used (1..",
        next_payload_id_.load() - 1, ") can be resent; use Push for a new payload"));
  }
  return PushAndWait(payload_id, std::move(content), options);
}

void SessionImpl::PushAsync(v1::PayloadContent content, const PushOptions& options,
                            PushCallback done) {
  // The budget counts the serialized content, which is what the call holds.
  const int64_t bytes = static_cast<int64_t>(content.ByteSizeLong());
  AsyncBudget& budget = core_->budget();
  if (options.fail_fast_when_full) {
    if (!budget.TryAcquire(bytes)) {
      std::move(done)(absl::ResourceExhaustedError(absl::StrCat(
          "PushAsync: the client's async budget is full (", budget.bytes_in_flight(), " of ",
          core_->options().async_budget_bytes, " bytes, ", budget.calls_in_flight(), " of ",
          core_->options().max_async_calls, " calls in flight); the payload (session ", id_,
          ", ", bytes, " bytes) took no id and is still yours: push it again once earlier "
          "pushes have finished, or push without fail_fast_when_full to wait")));
      return;
    }
  } else {
    budget.Acquire(bytes);
  }
  StartPush(next_payload_id_.fetch_add(1), std::move(content), options,
            [&budget, bytes, done = std::move(done)](absl::StatusOr<PushResult> result) mutable {
              std::move(done)(std::move(result));
              budget.Release(bytes);
            });
}

absl::StatusOr<v1::RecordPosition> SessionImpl::Identify(v1::IdentifySessionRequest request) {
  request.set_session_id(id_);
  ASSIGN_OR_RETURN(v1::IdentifySessionResponse response,
                   CallUnary<v1::IdentifySessionResponse>(*core_, "IdentifySession", request,
                                                          Subject("the identity"), id_));
  return response.position();
}

absl::StatusOr<v1::RecordPosition> SessionImpl::AddProperties(
    v1::AddSessionPropertiesRequest request) {
  request.set_session_id(id_);
  ASSIGN_OR_RETURN(v1::AddSessionPropertiesResponse response,
                   CallUnary<v1::AddSessionPropertiesResponse>(
                       *core_, "AddSessionProperties", request, Subject("the properties"), id_));
  return response.position();
}

absl::StatusOr<v1::RecordPosition> SessionImpl::AddFeedback(v1::AddSessionFeedbackRequest request) {
  request.set_session_id(id_);
  ASSIGN_OR_RETURN(v1::AddSessionFeedbackResponse response,
                   CallUnary<v1::AddSessionFeedbackResponse>(*core_, "AddSessionFeedback", request,
                                                             Subject("the feedback"), id_));
  return response.position();
}

absl::StatusOr<uint32_t> SessionImpl::PushBackendErrors(v1::PushBackendErrorsRequest request) {
  for (v1::BackendError& error : *request.mutable_errors()) {
    if (error.session_id().empty()) error.set_session_id(id_);
  }
  ASSIGN_OR_RETURN(v1::PushBackendErrorsResponse response,
                   CallUnary<v1::PushBackendErrorsResponse>(*core_, "PushBackendErrors", request,
                                                            Subject("the backend errors"), id_));
  return response.records();
}

absl::StatusOr<uint32_t> SessionImpl::PushMetrics(v1::PushMetricsRequest request) {
  for (v1::Metric& metric : *request.mutable_metrics()) {
    if (metric.session_id().empty()) metric.set_session_id(id_);
  }
  ASSIGN_OR_RETURN(v1::PushMetricsResponse response,
                   CallUnary<v1::PushMetricsResponse>(*core_, "PushMetrics", request,
                                                      Subject("the metrics"), id_));
  return response.records();
}

}  // namespace ingest::client
