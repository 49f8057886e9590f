#include "services/gateway/ingest_service.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "services/common/server/grpc_server.h"
#include "services/gateway/fact_extraction.h"
#include "services/gateway/payload_stream_call.h"

namespace ingest {
namespace {

// "ipv4:10.0.0.1:5000" / "ipv6:[::1]:5000" -> the address part.
std::string PeerIp(const std::string& peer) {
  absl::string_view address = peer;
  if (!absl::ConsumePrefix(&address, "ipv4:") && !absl::ConsumePrefix(&address, "ipv6:")) {
    return "";
  }
  if (absl::ConsumePrefix(&address, "[")) return std::string(address.substr(0, address.find(']')));
  return std::string(address.substr(0, address.rfind(':')));
}

// `bytes` parsed as a PushPayloadRequest; INVALID_ARGUMENT if it is not one.
absl::Status ParseRequest(const grpc::ByteBuffer& bytes, v1::PushPayloadRequest* request) {
  grpc::ByteBuffer consumed(bytes);  // shares the slices; Deserialize() empties its input
  grpc::Status status =
      grpc::SerializationTraits<v1::PushPayloadRequest>::Deserialize(&consumed, request);
  if (status.ok()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("the request is not a serialized PushPayloadRequest: ", status.error_message()));
}

void SerializeResponse(const v1::PushPayloadResponse& response, grpc::ByteBuffer* bytes) {
  bool own_buffer = false;
  grpc::SerializationTraits<v1::PushPayloadResponse>::Serialize(response, bytes, &own_buffer);
}

void SetPosition(v1::RecordPosition* out, const RecordPosition& position) {
  out->set_partition(position.partition);
  out->set_offset(position.offset);
}

}  // namespace

std::string PeerIpOf(const grpc::CallbackServerContext& context) { return PeerIp(context.peer()); }

CallInfo CallInfoOf(const grpc::CallbackServerContext& context, const std::string& gateway_id) {
  return CallInfo{gateway_id,
                  MetadataValue(context, "traceparent"),
                  PeerIp(context.peer()),
                  MetadataValue(context, "user-agent"),
                  MetadataValue(context, "accept-language"),
                  absl::Now()};
}

std::optional<Refusal> IngestService::ChargePeer(const std::string& peer) {
  if (peer_rate_ == nullptr) return std::nullopt;
  const absl::Duration wait = peer_rate_->TryTake(peer);
  if (wait <= absl::ZeroDuration()) return std::nullopt;
  return Refusal{absl::ResourceExhaustedError(
                     absl::StrCat("too many calls from ", peer, ": retry after ",
                                  absl::FormatDuration(wait), " (see retry-after-ms)")),
                 wait, "peer_rate"};
}

void IngestService::Publish(UnaryCall* call, const char* rpc, const std::string& peer,
                            const std::string& project, std::vector<v1::Task> tasks,
                            FillResponse fill) {
  // The records' size but for the few bytes of the retention Produce stamps.
  int64_t bytes = 0;
  for (const v1::Task& task : tasks) bytes += static_cast<int64_t>(task.ByteSizeLong());
  Admission admission;
  if (std::optional<Refusal> refusal = publisher_.Admit(project, bytes, &admission)) {
    rejections_.Record(refusal->reason, rpc, peer, project, refusal->status);
    call->Reject(refusal->status, refusal->retry_after);
    return;
  }
  absl::StatusOr<std::shared_ptr<CallOutcome>> outcome =
      call->Expect(static_cast<int>(tasks.size()), std::move(fill));
  if (!outcome.ok()) return;
  // The bytes stay reserved until the last record's delivery report.
  auto admitted = std::make_shared<Admission>(std::move(admission));
  for (size_t i = 0; i < tasks.size(); ++i) {
    publisher_.Produce(*admitted, std::move(tasks[i]),
                       [outcome = *outcome, i, admitted](absl::StatusOr<RecordPosition> result) {
                         outcome->Delivered(static_cast<int>(i), std::move(result));
                       });
  }
}

template <typename Validate, typename Build>
grpc::ServerUnaryReactor* IngestService::Handle(grpc::CallbackServerContext* context,
                                                const char* rpc, size_t request_bytes,
                                                Validate validate, Build build,
                                                FillResponse fill) {
  auto* call = new UnaryCall(context, metrics_, rpc, options_.delivery_timeout);
  if (std::optional<Refusal> refusal = ChargePeer(PeerIpOf(*context))) {
    rejections_.Record(refusal->reason, rpc, PeerIpOf(*context), "", refusal->status);
    call->Reject(refusal->status, refusal->retry_after);
    return call;
  }
  absl::StatusOr<std::string> project = keys_.Authenticate(MetadataValue(*context, "authorization"));
  if (!project.ok()) {
    rejections_.Record(Rejections::ReasonOfAuthentication(project.status()), rpc,
                       PeerIpOf(*context), "", project.status());
    call->Reject(project.status());
    return call;
  }
  absl::Status status = CheckRequestSize(rpc, request_bytes, options_.limits);
  if (status.ok()) status = validate(*project);
  if (!status.ok()) {
    rejections_.Record(Rejections::ReasonOf(status), rpc, PeerIpOf(*context), *project, status);
    call->Reject(status);
    return call;
  }
  CallInfo call_info = CallInfoOf(*context, options_.gateway_id);
  const std::string peer = call_info.peer_ip;
  Publish(call, rpc, peer, *project, build(*project, call_info), std::move(fill));
  return call;
}

grpc::ServerUnaryReactor* IngestService::InitializeSession(
    grpc::CallbackServerContext* context, const v1::InitializeSessionRequest* request,
    v1::InitializeSessionResponse* response) {
  // Known once the project is: shared by the task and the response.
  auto session_id = std::make_shared<std::string>();
  return Handle(
      context, "InitializeSession", request->ByteSizeLong(),
      [&](const std::string& project) { return ValidateInitializeSession(*request, project); },
      [&](const std::string& project, const CallInfo& call) {
        *session_id = session_ids_.New(project);
        return std::vector<v1::Task>{
            BuildInitializeSessionTask(*request, project, *session_id, call)};
      },
      [response, session_id](const std::vector<RecordPosition>&) {
        response->set_session_id(*session_id);
      });
}

grpc::ServerUnaryReactor* IngestService::PushPayload(grpc::CallbackServerContext* context,
                                                     const grpc::ByteBuffer* request_bytes,
                                                     grpc::ByteBuffer* response_bytes) {
  // Parsed only once the size check passed; validate and build run before
  // Handle() returns, fill later (hence shared).
  v1::PushPayloadRequest request;
  auto response = std::make_shared<v1::PushPayloadResponse>();
  return Handle(
      context, "PushPayload", request_bytes->Length(),
      [&](const std::string& project) {
        absl::Status status = ParseRequest(*request_bytes, &request);
        return status.ok()
                   ? ValidatePushPayload(request, options_.limits, session_ids_, project)
                   : status;
      },
      [&](const std::string& project, const CallInfo& call) {
        metrics_.PayloadReceived(static_cast<int64_t>(request.content().ByteSizeLong()));
        response->set_payload_id(request.payload_id());
        v1::Task task = BuildPayloadTask(request, project, call, options_.payload_zstd_level);
        *task.mutable_payload()->mutable_facts() = ExtractFacts(request, metrics_);
        return std::vector<v1::Task>{std::move(task)};
      },
      [response, response_bytes](const std::vector<RecordPosition>& at) {
        response->set_partition(at[0].partition);
        response->set_offset(at[0].offset);
        SerializeResponse(*response, response_bytes);
      });
}

grpc::ServerReadReactor<v1::PushPayloadStreamRequest>* IngestService::PushPayloadStream(
    grpc::CallbackServerContext* context, v1::PushPayloadStreamResponse* response) {
  PayloadStreamOptions stream_options{options_.gateway_id, options_.limits,
                                      options_.stream_chunk_bytes,
                                      options_.stream_max_inflight_chunks,
                                      options_.payload_zstd_level,
                                      options_.facts_max_stream_bytes};
  return new PayloadStreamCall(context, response, stream_options, publisher_, metrics_, rejections_,
                               keys_, session_ids_, ChargePeer(PeerIpOf(*context)));
}

grpc::ServerUnaryReactor* IngestService::IdentifySession(grpc::CallbackServerContext* context,
                                                         const v1::IdentifySessionRequest* request,
                                                         v1::IdentifySessionResponse* response) {
  return Handle(
      context, "IdentifySession", request->ByteSizeLong(),
      [&](const std::string& project) {
        return ValidateIdentifySession(*request, options_.limits, session_ids_, project);
      },
      [&](const std::string& project, const CallInfo& call) {
        return std::vector<v1::Task>{BuildIdentifyTask(*request, project, call)};
      },
      [response](const std::vector<RecordPosition>& at) {
        SetPosition(response->mutable_position(), at[0]);
      });
}

grpc::ServerUnaryReactor* IngestService::AddSessionProperties(
    grpc::CallbackServerContext* context, const v1::AddSessionPropertiesRequest* request,
    v1::AddSessionPropertiesResponse* response) {
  return Handle(
      context, "AddSessionProperties", request->ByteSizeLong(),
      [&](const std::string& project) {
        return ValidateAddSessionProperties(*request, options_.limits, session_ids_, project);
      },
      [&](const std::string& project, const CallInfo& call) {
        return std::vector<v1::Task>{BuildPropertiesTask(*request, project, call)};
      },
      [response](const std::vector<RecordPosition>& at) {
        SetPosition(response->mutable_position(), at[0]);
      });
}

grpc::ServerUnaryReactor* IngestService::AddSessionFeedback(
    grpc::CallbackServerContext* context, const v1::AddSessionFeedbackRequest* request,
    v1::AddSessionFeedbackResponse* response) {
  return Handle(
      context, "AddSessionFeedback", request->ByteSizeLong(),
      [&](const std::string& project) {
        return ValidateAddSessionFeedback(*request, options_.limits, session_ids_, project);
      },
      [&](const std::string& project, const CallInfo& call) {
        return std::vector<v1::Task>{BuildFeedbackTask(*request, project, call)};
      },
      [response](const std::vector<RecordPosition>& at) {
        SetPosition(response->mutable_position(), at[0]);
      });
}

grpc::ServerUnaryReactor* IngestService::PushBackendErrors(
    grpc::CallbackServerContext* context, const v1::PushBackendErrorsRequest* request,
    v1::PushBackendErrorsResponse* response) {
  return Handle(
      context, "PushBackendErrors", request->ByteSizeLong(),
      [&](const std::string& project) {
        return ValidatePushBackendErrors(*request, options_.limits, session_ids_, project);
      },
      [&](const std::string& project, const CallInfo& call) {
        return BuildBackendErrorTasks(*request, project, call);
      },
      [response](const std::vector<RecordPosition>& at) {
        response->set_records(static_cast<uint32_t>(at.size()));
      });
}

grpc::ServerUnaryReactor* IngestService::PushMetrics(grpc::CallbackServerContext* context,
                                                     const v1::PushMetricsRequest* request,
                                                     v1::PushMetricsResponse* response) {
  return Handle(
      context, "PushMetrics", request->ByteSizeLong(),
      [&](const std::string& project) {
        return ValidatePushMetrics(*request, options_.limits, session_ids_, project);
      },
      [&](const std::string& project, const CallInfo& call) {
        return BuildMetricTasks(*request, project, call);
      },
      [response](const std::vector<RecordPosition>& at) {
        response->set_records(static_cast<uint32_t>(at.size()));
      });
}

}  // namespace ingest
