#pragma once

// Command-line flags of the broker-proxy binary. Read only here.

#include "absl/status/statusor.h"
#include "services/broker_proxy/broker_proxy_server.h"

namespace ingest {

// Parses argv (handles --help) and returns broker-proxy's options.
absl::StatusOr<BrokerProxyOptions> ParseBrokerProxyFlags(int argc, char** argv);

}  // namespace ingest
