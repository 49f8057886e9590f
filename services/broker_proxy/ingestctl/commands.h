#pragma once

// Runs one parsed ingestctl command against a BrokerProxyClient: calls its
// RPC, prints the answer (table or --json) and returns the exit code. Knows
// nothing of gRPC, flags or signals, so tests drive it with a fake client.

#include <ostream>

#include "absl/time/time.h"
#include "services/broker_proxy/ingestctl/broker_proxy_client.h"
#include "services/broker_proxy/ingestctl/command_line.h"

namespace ingest::ingestctl {

// Paces `lag --watch` and `dlq redrive --wait`, and tells the time a
// relative `sessions list --since` counts back from. The real one sleeps
// and stops on Ctrl-C.
class Pacer {
 public:
  virtual ~Pacer() = default;
  // Waits `interval`; false when the watch should end (SIGINT) instead.
  virtual bool Wait(absl::Duration interval) = 0;
  virtual absl::Time Now() = 0;
};

// Where output goes. `clear_screen` redraws `--watch` in place (stdout is a
// terminal); otherwise each round is appended after a blank line.
struct Console {
  std::ostream& out;
  std::ostream& err;
  bool clear_screen = false;
};

// One RPC error as ingestctl prints it: `ingestctl: <command>: <CODE>:
// <message>` plus a hint line for UNAVAILABLE (tls_hint.h when it tells of
// TLS), UNAUTHENTICATED, DEADLINE_EXCEEDED and UNIMPLEMENTED.
std::string FormatRpcError(const Invocation& invocation, const absl::Status& status);

// kExitRefused for FAILED_PRECONDITION, kExitError for any other error.
int ExitCodeFor(const absl::Status& status);

// Runs `invocation` and returns its exit code (command_line.h). `pacer` is
// used by `lag --watch`, `dlq redrive --wait` and `sessions list --since`
// only.
int RunCommand(const Invocation& invocation, BrokerProxyClient& client, Console& console,
               Pacer& pacer);

}  // namespace ingest::ingestctl
