#include "services/common/codec/task_codec.h"

#include "absl/strings/str_cat.h"

namespace ingest {

std::string EncodeTask(const v1::Task& task) { return task.SerializeAsString(); }

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
  if (task.session_id().empty()) return absl::InvalidArgumentError("task has no session_id");
  if (task.project_id().empty()) return absl::InvalidArgumentError("task has no project_id");
  switch (task.type()) {
    case v1::TASK_TYPE_INITIALIZE_SESSION:
      if (!task.has_init()) return absl::InvalidArgumentError("initialize task without init body");
      break;
    case v1::TASK_TYPE_PUSH_PAYLOAD:
      if (!task.has_payload()) return absl::InvalidArgumentError("payload task without payload body");
      if (task.payload_id() == 0) return absl::InvalidArgumentError("payload task with payload_id 0");
      if (task.chunk_count() == 0 || task.chunk_index() >= task.chunk_count()) {
        return absl::InvalidArgumentError(absl::StrCat("bad chunk numbering ", task.chunk_index(),
                                                       " of ", task.chunk_count()));
      }
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat("unknown task type ", task.type()));
  }
  return task;
}

}  // namespace ingest
