#include "services/gateway/task_builder.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "services/common/codec/task_codec.h"
#include "services/common/payload/stored_form.h"

namespace ingest {
namespace {

v1::Task Envelope(v1::TaskType type, const std::string& project_id, const std::string& session_id,
                  const CallInfo& call) {
  v1::Task task;
  // Only payload tasks carry the stored form; the others stay readable by
  // workers that predate it.
  task.set_schema_version(type == v1::TASK_TYPE_PUSH_PAYLOAD ? kTaskSchemaVersion
                                                             : kContentFormSchemaVersion);
  task.set_type(type);
  task.set_project_id(project_id);
  task.set_session_id(session_id);
  SetReceivedAt(call.received_at, &task);
  task.set_gateway_id(call.gateway_id);
  task.set_trace_id(call.trace_id);
  return task;
}

v1::ContentEncoding Normalized(v1::ContentEncoding encoding) {
  return encoding == v1::CONTENT_ENCODING_UNSPECIFIED ? v1::CONTENT_ENCODING_IDENTITY : encoding;
}

// What a payload record holds, whole or chunk: `source` (a PushPayloadRequest
// or a PayloadStreamHeader) says whose it is and how its content is encoded;
// `raw` is the record's uncompressed bytes, stored as the stored form says.
template <typename Source>
v1::Task PayloadTask(const Source& source, const std::string& project_id, const CallInfo& call,
                       uint32_t index, uint32_t count, absl::string_view raw, int zstd_level) {
  v1::Task task = Envelope(v1::TASK_TYPE_PUSH_PAYLOAD, project_id, source.session_id(), call);
  task.set_payload_id(source.payload_id());
  task.set_chunk_index(index);
  task.set_chunk_count(count);
  v1::Payload* payload = task.mutable_payload();
  const v1::ContentEncoding encoding = Normalized(source.content_encoding());
  payload->set_content_encoding(encoding);
  payload->set_is_beacon(source.is_beacon());
  payload->set_has_session_unloaded(source.has_session_unloaded());
  SetStoredForm(raw, /*compress=*/encoding == v1::CONTENT_ENCODING_IDENTITY, zstd_level, payload);
  return task;
}

// Groups `items` by their session id, in order of first appearance.
template <typename Item, typename AddTo>
std::vector<v1::Task> GroupBySession(const google::protobuf::RepeatedPtrField<Item>& items,
                                     v1::TaskType type, const std::string& project_id,
                                     const CallInfo& call, AddTo add_to) {
  std::vector<v1::Task> tasks;
  std::map<std::string, size_t> task_of_session;
  for (const Item& item : items) {
    auto [it, inserted] = task_of_session.try_emplace(item.session_id(), tasks.size());
    if (inserted) tasks.push_back(Envelope(type, project_id, item.session_id(), call));
    add_to(tasks[it->second], item);
  }
  return tasks;
}

}  // namespace

v1::Task BuildInitializeSessionTask(const v1::InitializeSessionRequest& request,
                                    const std::string& project_id, const std::string& session_id,
                                    const CallInfo& call) {
  v1::Task task = Envelope(v1::TASK_TYPE_INITIALIZE_SESSION, project_id, session_id, call);
  v1::SessionInit* init = task.mutable_init();
  *init->mutable_request() = request;
  init->mutable_request()->set_project_id(project_id);
  init->set_peer_ip(call.peer_ip);
  init->set_user_agent(call.user_agent);
  init->set_accept_language(call.accept_language);
  return task;
}

v1::Task BuildPayloadTask(const v1::PushPayloadRequest& request, const std::string& project_id,
                          const CallInfo& call, int zstd_level) {
  return PayloadTask(request, project_id, call, 0, 1, request.content().SerializeAsString(),
                       zstd_level);
}

v1::Task BuildPayloadChunkTask(const v1::PayloadStreamHeader& header,
                               const std::string& project_id, const CallInfo& call,
                               uint32_t index, uint32_t count, uint64_t offset,
                               absl::string_view data, std::string sha256, int zstd_level) {
  v1::Task task = PayloadTask(header, project_id, call, index, count, data, zstd_level);
  v1::Payload* payload = task.mutable_payload();
  payload->set_chunk_offset(offset);
  payload->set_total_bytes(header.total_bytes());
  payload->set_sha256(std::move(sha256));
  return task;
}

v1::Task BuildIdentifyTask(const v1::IdentifySessionRequest& request,
                           const std::string& project_id, const CallInfo& call) {
  v1::Task task = Envelope(v1::TASK_TYPE_IDENTIFY_SESSION, project_id, request.session_id(), call);
  *task.mutable_identify() = request;
  return task;
}

v1::Task BuildPropertiesTask(const v1::AddSessionPropertiesRequest& request,
                             const std::string& project_id, const CallInfo& call) {
  v1::Task task =
      Envelope(v1::TASK_TYPE_ADD_SESSION_PROPERTIES, project_id, request.session_id(), call);
  *task.mutable_properties() = request;
  return task;
}

v1::Task BuildFeedbackTask(const v1::AddSessionFeedbackRequest& request,
                           const std::string& project_id, const CallInfo& call) {
  v1::Task task =
      Envelope(v1::TASK_TYPE_ADD_SESSION_FEEDBACK, project_id, request.session_id(), call);
  *task.mutable_feedback() = request;
  if (request.timestamp_ms() == 0) {
    task.mutable_feedback()->set_timestamp_ms(absl::ToUnixMillis(call.received_at));
  }
  return task;
}

std::vector<v1::Task> BuildBackendErrorTasks(const v1::PushBackendErrorsRequest& request,
                                             const std::string& project_id, const CallInfo& call) {
  return GroupBySession(request.errors(), v1::TASK_TYPE_PUSH_BACKEND_ERRORS, project_id, call,
                        [](v1::Task& task, const v1::BackendError& error) {
                          *task.mutable_backend_errors()->add_errors() = error;
                        });
}

std::vector<v1::Task> BuildMetricTasks(const v1::PushMetricsRequest& request,
                                       const std::string& project_id, const CallInfo& call) {
  return GroupBySession(request.metrics(), v1::TASK_TYPE_PUSH_METRICS, project_id, call,
                        [](v1::Task& task, const v1::Metric& metric) {
                          *task.mutable_metrics()->add_metrics() = metric;
                        });
}

}  // namespace ingest
