#include "services/common/codec/task_codec.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/status/status_macros.h"

namespace ingest {

std::string EncodeTask(const v1::Task& task) { return task.SerializeAsString(); }

namespace {
constexpr char kProjectKeyPrefix[] = "project/";
// The stored form (task.proto) must describe its bytes consistently: the
// worker writes them without looking inside.
absl::Status CheckStoredForm(const v1::Payload& payload) {
  if (payload.raw_sha256().empty()) {
    if (!payload.stored_data().empty()) {
      return absl::InvalidArgumentError("payload has stored_data but no raw_sha256");
    }
    return absl::OkStatus();  // content form
  }
  if (payload.raw_sha256().size() != 32) {
    return absl::InvalidArgumentError(
        absl::StrCat("payload raw_sha256 is ", payload.raw_sha256().size(), " bytes, not 32"));
  }
  if (payload.has_content() || !payload.chunk_data().empty()) {
    return absl::InvalidArgumentError("payload in stored form also carries content or chunk_data");
  }
  switch (payload.storage_encoding()) {
    case v1::STORAGE_ENCODING_RAW:
      if (payload.stored_data().size() != payload.raw_size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("RAW stored_data is ", payload.stored_data().size(),
                         " bytes, raw_size says ", payload.raw_size()));
      }
      break;
    case v1::STORAGE_ENCODING_ZSTD:
      if (payload.stored_data().empty()) {
        return absl::InvalidArgumentError("ZSTD stored_data is empty");
      }
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("unknown storage_encoding ", payload.storage_encoding()));
  }
  if (payload.total_bytes() > 0 && (payload.chunk_offset() > payload.total_bytes() ||
                                    payload.raw_size() > payload.total_bytes() -
                                                             payload.chunk_offset())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "chunk of ", payload.raw_size(), " bytes at ", payload.chunk_offset(),
        " runs past total_bytes ", payload.total_bytes()));
  }
  return absl::OkStatus();
}

}  // namespace

std::string KafkaKeyOf(const v1::Task& task) {
  return task.session_id().empty() ? absl::StrCat(kProjectKeyPrefix, task.project_id())
                                   : task.session_id();
}

std::string SessionIdOfKey(const std::string& key) {
  return absl::StartsWith(key, kProjectKeyPrefix) ? "" : key;
}

absl::Time ReceivedAt(const v1::Task& task) {
  return absl::FromUnixSeconds(task.received_at().seconds()) +
         absl::Nanoseconds(task.received_at().nanos());
}

void SetReceivedAt(absl::Time time, v1::Task* task) {
  const absl::Duration since_epoch = time - absl::UnixEpoch();
  task->mutable_received_at()->set_seconds(absl::ToInt64Seconds(since_epoch));
  task->mutable_received_at()->set_nanos(
      static_cast<int32_t>(absl::ToInt64Nanoseconds(since_epoch % absl::Seconds(1))));
}

absl::StatusOr<v1::Task> DecodeTask(absl::string_view bytes) {
  v1::Task task;
  if (!task.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InvalidArgumentError(
        absl::StrCat("record is not an ingest.v1.Task (", bytes.size(), " bytes)"));
  }
  if (task.schema_version() == 0 || task.schema_version() > kTaskSchemaVersion) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unsupported task schema_version ", task.schema_version(), " (this worker reads 1..",
        kTaskSchemaVersion, "): upgrade the worker"));
  }
  if (task.project_id().empty()) return absl::InvalidArgumentError("task has no project_id");
  const bool session_optional = task.type() == v1::TASK_TYPE_PUSH_BACKEND_ERRORS ||
                                task.type() == v1::TASK_TYPE_PUSH_METRICS;
  if (task.session_id().empty() && !session_optional) {
    return absl::InvalidArgumentError("task has no session_id");
  }
  const auto missing_body = [&](const char* body) {
    return absl::InvalidArgumentError(
        absl::StrCat(v1::TaskType_Name(task.type()), " task without ", body, " body"));
  };
  switch (task.type()) {
    case v1::TASK_TYPE_INITIALIZE_SESSION:
      if (!task.has_init()) return missing_body("init");
      break;
    case v1::TASK_TYPE_PUSH_PAYLOAD:
      if (!task.has_payload()) return missing_body("payload");
      if (task.payload_id() == 0) return absl::InvalidArgumentError("payload task with payload_id 0");
      if (task.chunk_count() == 0 || task.chunk_index() >= task.chunk_count()) {
        return absl::InvalidArgumentError(absl::StrCat("bad chunk numbering ", task.chunk_index(),
                                                       " of ", task.chunk_count()));
      }
      if (task.chunk_count() > 1 && task.chunk_index() + 1 == task.chunk_count() &&
          task.payload().sha256().size() != 32) {
        return absl::InvalidArgumentError("last chunk of a streamed payload without its sha256");
      }
      RETURN_IF_ERROR(CheckStoredForm(task.payload()));
      break;
    case v1::TASK_TYPE_IDENTIFY_SESSION:
      if (!task.has_identify()) return missing_body("identify");
      break;
    case v1::TASK_TYPE_ADD_SESSION_PROPERTIES:
      if (!task.has_properties()) return missing_body("properties");
      break;
    case v1::TASK_TYPE_ADD_SESSION_FEEDBACK:
      if (!task.has_feedback()) return missing_body("feedback");
      break;
    case v1::TASK_TYPE_PUSH_BACKEND_ERRORS:
      if (!task.has_backend_errors()) return missing_body("backend_errors");
      break;
    case v1::TASK_TYPE_PUSH_METRICS:
      if (!task.has_metrics()) return missing_body("metrics");
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat("unknown task type ", task.type()));
  }
  return task;
}

}  // namespace ingest
