#include "services/gateway/ingest_service.h"

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "services/common/status/grpc_status.h"
#include "services/gateway/session_id.h"
#include "services/gateway/task_builder.h"

namespace ingest {
namespace {

std::string Metadata(const grpc::CallbackServerContext& context, const char* key) {
  auto it = context.client_metadata().find(key);
  if (it == context.client_metadata().end()) return "";
  return std::string(it->second.data(), it->second.size());
}

// "ipv4:10.0.0.1:5000" / "ipv6:[::1]:5000" -> the address part.
std::string PeerIp(const std::string& peer) {
  absl::string_view address = peer;
  if (!absl::ConsumePrefix(&address, "ipv4:") && !absl::ConsumePrefix(&address, "ipv6:")) {
    return "";
  }
  if (absl::ConsumePrefix(&address, "[")) return std::string(address.substr(0, address.find(']')));
  return std::string(address.substr(0, address.rfind(':')));
}

CallInfo CallInfoOf(const grpc::CallbackServerContext& context, const std::string& gateway_id) {
  return CallInfo{gateway_id,
                  Metadata(context, "traceparent"),
                  PeerIp(context.peer()),
                  Metadata(context, "user-agent"),
                  Metadata(context, "accept-language"),
                  absl::Now()};
}

// Finishes `reactor` with `status` and records the call's metrics.
class CallFinisher {
 public:
  CallFinisher(GatewayMetrics& metrics, grpc::ServerUnaryReactor* reactor, const char* rpc)
      : metrics_(metrics), reactor_(reactor), rpc_(rpc), start_(absl::Now()) {
    metrics_.RequestStarted();
  }
  void Finish(const absl::Status& status) const {
    metrics_.RequestFinished(rpc_, absl::StatusCodeToString(status.code()), absl::Now() - start_);
    reactor_->Finish(ToGrpcStatus(status));
  }

 private:
  GatewayMetrics& metrics_;
  grpc::ServerUnaryReactor* reactor_;
  const char* rpc_;
  absl::Time start_;
};

}  // namespace

grpc::ServerUnaryReactor* IngestService::InitializeSession(
    grpc::CallbackServerContext* context, const v1::InitializeSessionRequest* request,
    v1::InitializeSessionResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  CallFinisher finisher(metrics_, reactor, "InitializeSession");
  if (absl::Status status = ValidateInitializeSession(*request); !status.ok()) {
    finisher.Finish(status);
    return reactor;
  }
  std::string session_id = NewSessionId(request->project_id());
  v1::Task task =
      BuildInitializeSessionTask(*request, session_id, CallInfoOf(*context, gateway_id_));
  publisher_.Publish(task, [finisher, response, session_id = std::move(session_id)](
                               absl::StatusOr<RecordPosition> position) {
    if (position.ok()) response->set_session_id(session_id);
    finisher.Finish(position.status());
  });
  return reactor;
}

grpc::ServerUnaryReactor* IngestService::PushPayload(grpc::CallbackServerContext* context,
                                                     const v1::PushPayloadRequest* request,
                                                     v1::PushPayloadResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  CallFinisher finisher(metrics_, reactor, "PushPayload");
  absl::StatusOr<std::string> project = ValidatePushPayload(*request, limits_);
  if (!project.ok()) {
    finisher.Finish(project.status());
    return reactor;
  }
  metrics_.PayloadReceived(static_cast<int64_t>(request->content().ByteSizeLong()));
  v1::Task task = BuildPayloadTask(*request, *project, CallInfoOf(*context, gateway_id_));
  publisher_.Publish(task, [finisher, response, payload_id = request->payload_id()](
                               absl::StatusOr<RecordPosition> position) {
    if (position.ok()) {
      response->set_payload_id(payload_id);
      response->set_partition(position->partition);
      response->set_offset(position->offset);
    }
    finisher.Finish(position.status());
  });
  return reactor;
}

}  // namespace ingest
