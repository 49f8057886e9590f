#pragma once

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "client/cpp/options.h"

namespace ingest::loadgen {

// A tool's pre-flight through the SDK that produces nothing: one client made
// from `sdk` (its first target is the gateway asked) sends IdentifySession
// for kProbeSessionId, a session id no gateway issues, retried per the SDK's
// policy for at most `timeout` (each attempt at most that long). A gateway
// checks the API key before the session, so:
//   OK                    the gateway refused the session (PERMISSION_DENIED
//                         or INVALID_ARGUMENT): it answers and takes the key,
//                         and nothing reached Kafka;
//   UNAVAILABLE / DEADLINE_EXCEEDED  no gateway answered in time;
//   anything else         the gateway's final status (UNAUTHENTICATED for a
//                         wrong API key, ...), or INVALID_ARGUMENT for
//                         unusable `sdk` options (before any call).
// Blocks. Each probe shows once in the gateway's refusals
// (ingest_gateway_rejected_total{reason="permission_denied"}).
absl::Status ProbeGateway(client::ClientOptions sdk, absl::Duration timeout);

// The session id the probe names.
inline constexpr char kProbeSessionId[] = "loadgen-probe.not-a-session";

}  // namespace ingest::loadgen
