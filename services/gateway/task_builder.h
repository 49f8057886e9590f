#pragma once

// Turns validated requests into Task records (the Kafka record value), and
// says which key each record is produced under.

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "ingest/v1/ingest.pb.h"
#include "ingest/v1/task.pb.h"

namespace ingest {

// What the gateway knows about the call besides the request message.
struct CallInfo {
  std::string gateway_id;
  std::string trace_id;
  std::string peer_ip;
  std::string user_agent;
  std::string accept_language;
  absl::Time received_at;
};

v1::Task BuildInitializeSessionTask(const v1::InitializeSessionRequest& request,
                                    const std::string& project_id, const std::string& session_id,
                                    const CallInfo& call);

// Payload tasks carry their stored form (task.proto): identity content is
// zstd-compressed at `zstd_level`, content the SDK compressed is kept as it
// came; either way with its raw size and SHA-256. This is the only place
// payload bytes are compressed and hashed on their way to the database.
v1::Task BuildPayloadTask(const v1::PushPayloadRequest& request, const std::string& project_id,
                          const CallInfo& call, int zstd_level);

// Chunk `index` of `count` of a streamed payload: `data` is its slice of the
// content at `offset`, stored as above (each slice its own zstd frame: the
// frames of a payload concatenate into one valid zstd stream). `sha256`, of
// the whole content, only on the last.
v1::Task BuildPayloadChunkTask(const v1::PayloadStreamHeader& header,
                               const std::string& project_id, const CallInfo& call,
                               uint32_t index, uint32_t count, uint64_t offset,
                               absl::string_view data, std::string sha256, int zstd_level);

v1::Task BuildIdentifyTask(const v1::IdentifySessionRequest& request,
                           const std::string& project_id, const CallInfo& call);
v1::Task BuildPropertiesTask(const v1::AddSessionPropertiesRequest& request,
                             const std::string& project_id, const CallInfo& call);
v1::Task BuildFeedbackTask(const v1::AddSessionFeedbackRequest& request,
                           const std::string& project_id, const CallInfo& call);

// One task per distinct session (errors without a session share one task),
// keeping the request's order within each.
std::vector<v1::Task> BuildBackendErrorTasks(const v1::PushBackendErrorsRequest& request,
                                             const std::string& project_id, const CallInfo& call);
std::vector<v1::Task> BuildMetricTasks(const v1::PushMetricsRequest& request,
                                       const std::string& project_id, const CallInfo& call);

}  // namespace ingest
