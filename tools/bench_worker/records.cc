#include "tools/bench_worker/records.h"

#include "absl/strings/str_format.h"
#include "services/common/codec/task_codec.h"

namespace ingest::bench_worker {

RecordId RecordIdOf(int64_t index, int sessions) {
  return {.session_index = static_cast<int>(index % sessions),
          .payload_id = static_cast<uint64_t>(index / sessions + 1)};
}

std::string SessionIdOf(const std::string& project_id, int session_index) {
  return absl::StrFormat("%s.wbench%026x", project_id, session_index);
}

v1::Task PushPayloadTask(const std::string& project_id, const std::string& session_id,
                         uint64_t payload_id, const v1::PayloadContent& content,
                         absl::Time received_at) {
  v1::Task task;
  task.set_schema_version(kTaskSchemaVersion);
  task.set_type(v1::TASK_TYPE_PUSH_PAYLOAD);
  task.set_project_id(project_id);
  task.set_session_id(session_id);
  SetReceivedAt(received_at, &task);
  task.set_gateway_id("bench-worker");
  task.set_payload_id(payload_id);
  task.set_chunk_index(0);
  task.set_chunk_count(1);
  v1::Payload* payload = task.mutable_payload();
  payload->set_content_encoding(v1::CONTENT_ENCODING_IDENTITY);
  *payload->mutable_content() = content;
  return task;
}

}  // namespace ingest::bench_worker
