#pragma once

// The records a phase pre-fills its topic with: record i belongs to session
// i mod S with payload_id i / S + 1, so every (session, payload_id) is
// distinct, each session's payload ids increase 1, 2, 3, ... in offset order,
// and the worker stores every record as a new row (no replays, no gaps).

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "ingest/v1/ingest.pb.h"
#include "ingest/v1/task.pb.h"

namespace ingest::bench_worker {

struct RecordId {
  int session_index = 0;
  uint64_t payload_id = 0;
};

// Where record `index` of a phase with `sessions` sessions belongs.
RecordId RecordIdOf(int64_t index, int sessions);

// The session id (and Kafka key) of session `session_index`.
std::string SessionIdOf(const std::string& project_id, int session_index);

// The Task the gateway makes of a PushPayload call with this content
// (TASK_TYPE_PUSH_PAYLOAD, chunk 0 of 1, identity encoding, in stored form at
// the gateway's default zstd level, with the content's facts):
// services/gateway/task_builder's BuildPayloadTask itself, plus the facts the
// gateway adds.
v1::Task PushPayloadTask(const std::string& project_id, const std::string& session_id,
                         uint64_t payload_id, const v1::PayloadContent& content,
                         absl::Time received_at);

}  // namespace ingest::bench_worker
