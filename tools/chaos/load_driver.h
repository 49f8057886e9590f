#pragma once

// The load of a chaos run: S session threads, each playing sessions one
// after another like a page with the SDK, every call retried by the SDK
// across the gateways until it succeeds or is given up.

#include <cstdint>

#include "absl/time/time.h"
#include "client/cpp/clock.h"
#include "tools/chaos/options.h"
#include "tools/chaos/run_recorder.h"
#include "tools/console/console.h"
#include "tools/loadgen/ledger.h"
#include "tools/loadgen/payload_factory.h"

namespace ingest::chaos {

// What one thread (or the whole load) did.
struct LoadStats {
  int64_t sessions_started = 0;
  int64_t acked = 0;
  int64_t given_up = 0;  // payloads skipped, plus failed InitializeSessions
};

// Drives the load of `options` (valid: ParseChaosOptions). Session thread i
// plays sessions g = 0, 1, ... with session_index g * sessions + i (the
// PayloadFactory coordinate) through loadgen's SessionDriver, each session
// with its own SDK client (ClientOptionsFor(options), the gateways listed
// from gateway i mod n on): payload ids 1..payloads_per_session, each only
// after the previous one was acknowledged or given up, pausing
// payload_interval after each; every stream_every-th payload id is
// stream_bytes large, which the SDK sends with PushPayloadStream. Sessions
// are not unloaded. No new payload starts after `duration`; the call in
// flight then still finishes. A refused session is followed by a pause of
// the retry policy's max_backoff.
//
// Every attempt goes to the RunRecorder (from the SDK's observer); every
// call given up is logged on the console at once ("chaos NAME: gave up on
// session 3 payload 7 (sid=S) after N attempts: STATUS"); every acknowledged
// payload goes to the Ledger (size and SHA-256 of the serialized
// PayloadContent, the bytes the worker stores) and as an ack to the
// recorder.
//
// Holds references to its collaborators, which must outlive it. Threads:
// Run() starts the session threads and joins them; every collaborator is used
// from all of them and the SDK's threads at once (the Ledger, RunRecorder and
// Console are thread-safe); RunThread() runs one thread's loop on the
// caller's thread.
class LoadDriver {
 public:
  // `sdk_clock`, for tests: the clients' clock (their retry waits); null:
  // the system clock.
  LoadDriver(const ChaosOptions& options, loadgen::Ledger& ledger, RunRecorder& recorder,
             console::Console& console, client::Clock& clock, client::Clock* sdk_clock = nullptr);

  // Runs the session threads from now until the load ends; blocks until all
  // have finished.
  LoadStats Run();

  // One session thread's loop, on the calling thread.
  LoadStats RunThread(int thread_index, absl::Time load_end);

 private:
  const ChaosOptions options_;
  const client::ClientOptions client_;
  const loadgen::PayloadFactory unary_;
  const loadgen::PayloadFactory streamed_;
  loadgen::Ledger& ledger_;
  RunRecorder& recorder_;
  console::Console& console_;
  client::Clock& clock_;
};

}  // namespace ingest::chaos
