#pragma once

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "client/cpp/options.h"
#include "ingest/v1/ingest.pb.h"

namespace ingest::loadgen {

// A tool's pre-flight, through the SDK: one client made from `sdk` (its
// first target is the gateway asked) sends `request` as InitializeSession,
// retried per the SDK's policy for at most `timeout` (and each attempt at
// most that long). OK if the gateway started the session (an empty one is
// left behind); UNAVAILABLE or DEADLINE_EXCEEDED if no gateway answered in
// time; otherwise the gateway's final status (UNAUTHENTICATED for a wrong
// API key, ...), or INVALID_ARGUMENT for unusable `sdk` options. Blocks.
absl::Status ProbeGateway(client::ClientOptions sdk,
                          const ingest::v1::InitializeSessionRequest& request,
                          absl::Duration timeout);

}  // namespace ingest::loadgen
