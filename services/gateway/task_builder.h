#pragma once

// Turns validated requests into Task records (the Kafka record value).

#include <string>

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
                                    const std::string& session_id, const CallInfo& call);

v1::Task BuildPayloadTask(const v1::PushPayloadRequest& request, const std::string& project_id,
                          const CallInfo& call);

}  // namespace ingest
