#include "bench/worker/records.h"

#include "absl/strings/str_format.h"
#include "services/common/codec/task_codec.h"
#include "services/common/facts/payload_facts_extractor.h"
#include "services/common/payload/stored_form.h"
#include "services/gateway/task_builder.h"

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
  v1::PushPayloadRequest request;
  request.set_session_id(session_id);
  request.set_payload_id(payload_id);
  request.set_content_encoding(v1::CONTENT_ENCODING_IDENTITY);
  *request.mutable_content() = content;
  v1::Task task = BuildPayloadTask(
      request, project_id, CallInfo{.gateway_id = "bench-worker", .received_at = received_at},
      kDefaultStoredZstdLevel);
  // As the gateway does (fact_extraction.h): the worker folds these into
  // the session's summary, which is part of what it costs.
  *task.mutable_payload()->mutable_facts() = ExtractPayloadFacts(content);
  return task;
}

}  // namespace ingest::bench_worker
