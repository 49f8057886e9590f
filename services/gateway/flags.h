#pragma once

// Command-line flags of the gateway binary. Read only here.

#include "absl/status/statusor.h"
#include "services/gateway/gateway_server.h"

namespace ingest {

// Parses argv (handles --help) and returns the gateway's options.
absl::StatusOr<GatewayOptions> ParseGatewayFlags(int argc, char** argv);

}  // namespace ingest
