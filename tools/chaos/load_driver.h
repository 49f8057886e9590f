#pragma once

// The load of a chaos run: S session threads, each playing sessions one
// after another like a page with the SDK, every call retried by the SDK
// across the gateways until it succeeds or is given up.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "client/cpp/options.h"
#include "ingest/v1/ingest.pb.h"
#include "tools/chaos/run_recorder.h"
#include "tools/loadgen/clock.h"
#include "tools/loadgen/ledger.h"
#include "tools/loadgen/payload_factory.h"

namespace ingest::chaos {

struct LoadOptions {
  std::string project_id = "demo-project";
  int sessions = 12;  // threads
  absl::Duration duration = absl::Seconds(90);
  absl::Duration payload_interval = absl::Milliseconds(100);
  int payloads_per_session = 200;
  int stream_every = 0;  // every Nth payload id streamed; 0 = never
  // Names the clients (client_id).
  uint64_t seed = 1;
  // What each session's SDK client is made from: the gateways (thread i's
  // clients list them from gateway i mod n on), API key, deadlines, retry
  // policy, stream threshold (below the streamed payloads' size, at or above
  // the unary ones'). Its observer is the driver's own.
  client::ClientOptions client;
};

// A failed attempt the SDK retries.
struct RetryEvent {
  int attempt = 0;      // 1-based, the one that failed
  std::string gateway;  // where it was sent (HOST:PORT)
  absl::Status status;
  absl::Duration delay;  // pause before the next attempt
};

// A call that ended without success.
struct GiveUp {
  int thread_index = 0;
  std::string session_id;   // empty for InitializeSession
  uint64_t payload_id = 0;  // 0 for InitializeSession
  int attempts = 0;
  absl::Status status;
};

// Hears about calls in trouble. Called from session threads and the SDK's
// gRPC and timer threads, concurrently.
class LoadObserver {
 public:
  virtual ~LoadObserver() = default;

  // An attempt failed and the SDK will retry the call.
  virtual void OnRetry(const RetryEvent& event) = 0;

  // A call finished after `attempts` attempts (OK or not). Calls with
  // attempts > 1 are the ones that were retried.
  virtual void OnCallDone(int attempts) = 0;

  // A call was given up (a final status, or past the SDK's max_elapsed).
  virtual void OnGiveUp(const GiveUp& give_up) = 0;
};

// What one thread (or the whole load) did.
struct LoadStats {
  int64_t sessions_started = 0;
  int64_t acked = 0;
  int64_t given_up = 0;  // payloads skipped, plus failed InitializeSessions
};

// The InitializeSession request of session `session_index` (also what the
// pre-flight sends to check the API key).
ingest::v1::InitializeSessionRequest MakeInitializeRequest(
    const LoadOptions& options, int session_index);

// `targets` starting from targets[first % size], wrapping around.
std::vector<std::string> RotatedTargets(const std::vector<std::string>& targets, int first);

// Drives the load. Session thread i plays sessions g = 0, 1, ... with
// session_index g * sessions + i (the PayloadFactory coordinate), each with
// its own SDK client (options.client, gateways rotated by i): StartSession,
// then Session::Push of payload ids 1..payloads_per_session, each only after
// the previous one was acknowledged or given up, pausing payload_interval
// after each; every stream_every-th payload id carries the streamed
// factory's content, which the SDK sends with PushPayloadStream (above its
// threshold). No new payload starts after `duration`; the call in flight
// then still finishes. A refused session is followed by a pause of the
// retry policy's max_backoff.
//
// Every attempt goes to the RunRecorder (from the SDK's observer: its
// outcome and latency, ending when observed); every acknowledged payload to
// the Ledger - size and SHA-256 of the serialized PayloadContent, the bytes
// the worker stores (chunk-wise for a stream, concatenated in chunk order by
// the verifier) - and as an ack to the recorder.
//
// Holds references to its collaborators, which must outlive it. Threads:
// Run() starts the session threads and joins them; every collaborator is used
// from all of them and the SDK's threads at once (the Ledger, RunRecorder and
// observer are thread-safe); RunThread() runs one thread's loop on the
// caller's thread.
class LoadDriver {
 public:
  LoadDriver(LoadOptions options, const loadgen::PayloadFactory& unary,
             const loadgen::PayloadFactory& streamed, loadgen::Ledger& ledger,
             RunRecorder& recorder, LoadObserver& observer, loadgen::Clock& clock);

  // Runs the session threads from now until the load ends; blocks until all
  // have finished.
  LoadStats Run();

  // One session thread's loop, on the calling thread.
  LoadStats RunThread(int thread_index, absl::Time load_end);

 private:
  // Plays session `session_index` on thread `thread_index` until it ends or
  // the load does, adding to `stats`.
  void RunSession(int thread_index, int session_index, absl::Time load_end,
                  LoadStats& stats);

  const LoadOptions options_;
  const loadgen::PayloadFactory& unary_;
  const loadgen::PayloadFactory& streamed_;
  loadgen::Ledger& ledger_;
  RunRecorder& recorder_;
  LoadObserver& observer_;
  loadgen::Clock& clock_;
};

}  // namespace ingest::chaos
