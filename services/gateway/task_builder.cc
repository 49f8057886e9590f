#include "services/gateway/task_builder.h"

#include "services/common/codec/task_codec.h"

namespace ingest {
namespace {

v1::Task Envelope(v1::TaskType type, const std::string& project_id, const std::string& session_id,
                  const CallInfo& call) {
  v1::Task task;
  task.set_schema_version(kTaskSchemaVersion);
  task.set_type(type);
  task.set_project_id(project_id);
  task.set_session_id(session_id);
  const absl::Duration since_epoch = call.received_at - absl::UnixEpoch();
  task.mutable_received_at()->set_seconds(absl::ToInt64Seconds(since_epoch));
  task.mutable_received_at()->set_nanos(
      static_cast<int32_t>(absl::ToInt64Nanoseconds(since_epoch % absl::Seconds(1))));
  task.set_gateway_id(call.gateway_id);
  task.set_trace_id(call.trace_id);
  return task;
}

}  // namespace

v1::Task BuildInitializeSessionTask(const v1::InitializeSessionRequest& request,
                                    const std::string& session_id, const CallInfo& call) {
  v1::Task task =
      Envelope(v1::TASK_TYPE_INITIALIZE_SESSION, request.project_id(), session_id, call);
  v1::SessionInit* init = task.mutable_init();
  *init->mutable_request() = request;
  init->set_peer_ip(call.peer_ip);
  init->set_user_agent(call.user_agent);
  init->set_accept_language(call.accept_language);
  return task;
}

v1::Task BuildPayloadTask(const v1::PushPayloadRequest& request, const std::string& project_id,
                          const CallInfo& call) {
  v1::Task task = Envelope(v1::TASK_TYPE_PUSH_PAYLOAD, project_id, request.session_id(), call);
  task.set_payload_id(request.payload_id());
  task.set_chunk_index(0);
  task.set_chunk_count(1);
  v1::Payload* payload = task.mutable_payload();
  payload->set_content_encoding(request.content_encoding() == v1::CONTENT_ENCODING_UNSPECIFIED
                                    ? v1::CONTENT_ENCODING_IDENTITY
                                    : request.content_encoding());
  *payload->mutable_content() = request.content();
  payload->set_is_beacon(request.is_beacon());
  payload->set_has_session_unloaded(request.has_session_unloaded());
  return task;
}

}  // namespace ingest
