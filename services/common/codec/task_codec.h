#pragma once

// Encoding and decoding of the Kafka record value (ingest.v1.Task).
//
// DecodeTask is the worker's gate for untrusted bytes: anything it rejects is
// a poison record, with a reason a person can act on.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "ingest/v1/task.pb.h"

namespace ingest {

// The newest envelope version this build understands. Version 2 added the
// stored form of payload records (task.proto); gateways write it on payload
// records only, so a worker that reads only version 1 refuses those (to the
// DLQ, "upgrade the worker") instead of storing them empty. Deploy workers
// before gateways.
inline constexpr uint32_t kTaskSchemaVersion = 2;
// The version of every task without a stored form.
inline constexpr uint32_t kContentFormSchemaVersion = 1;

std::string EncodeTask(const v1::Task& task);

// The Kafka key of a task record: the session id, or "project/<id>" for
// session-less backend errors and metrics (so they still land in one
// partition per project).
std::string KafkaKeyOf(const v1::Task& task);

// The session a record key names; empty for a project key.
std::string SessionIdOfKey(const std::string& key);

// Parses and checks the envelope: version, type, ids, body matching type and
// chunk numbering. Unknown fields are kept.
absl::StatusOr<v1::Task> DecodeTask(absl::string_view bytes);

// The task's received_at, and setting it (nanosecond precision).
absl::Time ReceivedAt(const v1::Task& task);
void SetReceivedAt(absl::Time time, v1::Task* task);

}  // namespace ingest
