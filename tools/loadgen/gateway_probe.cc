#include "tools/loadgen/gateway_probe.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "client/cpp/client.h"

namespace ingest::loadgen {

absl::Status ProbeGateway(client::ClientOptions sdk,
                          const ingest::v1::InitializeSessionRequest& request,
                          absl::Duration timeout) {
  sdk.call_deadline = std::min(sdk.call_deadline, timeout);
  sdk.retry.max_attempts = 0;
  sdk.retry.max_elapsed = timeout;
  sdk.observer = nullptr;
  absl::StatusOr<std::unique_ptr<client::Client>> client = client::Client::Create(std::move(sdk));
  if (!client.ok()) return client.status();
  return (*client)->StartSession(request).status();
}

}  // namespace ingest::loadgen
