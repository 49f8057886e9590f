#include "tools/loadgen/gateway_probe.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "client/cpp/client.h"
#include "services/common/status/status_macros.h"

namespace ingest::loadgen {

absl::Status ProbeGateway(client::ClientOptions sdk, absl::Duration timeout) {
  sdk.call_deadline = std::min(sdk.call_deadline, timeout);
  sdk.retry.max_attempts = 0;
  sdk.retry.max_elapsed = timeout;
  sdk.observer = nullptr;
  ASSIGN_OR_RETURN(std::unique_ptr<client::Client> client, client::Client::Create(std::move(sdk)));
  const absl::StatusOr<v1::RecordPosition> answer =
      client->ResumeSession(kProbeSessionId, 1)->Identify({});
  // A refused session means the key was taken (a fake gateway may even
  // accept the probe); any other failure is the answer.
  const absl::StatusCode code = answer.status().code();
  if (answer.ok() || code == absl::StatusCode::kPermissionDenied ||
      code == absl::StatusCode::kInvalidArgument) {
    return absl::OkStatus();
  }
  return answer.status();
}

}  // namespace ingest::loadgen
