#pragma once

// The load of a chaos run: S session threads, each playing sessions one
// after another like an SDK, every call retried across the gateways until
// it succeeds or is given up.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/random/bit_gen_ref.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "tools/chaos/call_policy.h"
#include "tools/chaos/run_recorder.h"
#include "tools/loadgen/clock.h"
#include "tools/loadgen/ingest_client.h"
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
  CallPolicy call;
  // Seeds the retry jitter and names the clients (client_id).
  uint64_t seed = 1;
};

// A call that ended without success.
struct GiveUp {
  int thread_index = 0;
  std::string session_id;   // empty for InitializeSession
  uint64_t payload_id = 0;  // 0 for InitializeSession
  int attempts = 0;
  absl::Status status;
};

// Hears about calls in trouble. Called from session threads, concurrently.
class LoadObserver {
 public:
  virtual ~LoadObserver() = default;

  // An attempt failed and the call will be retried.
  virtual void OnRetry(const RetryEvent& event) = 0;

  // A call finished after `attempts` attempts (OK or not). Calls with
  // attempts > 1 are the ones that were retried.
  virtual void OnCallDone(int attempts) = 0;

  // A call was given up (non-retryable, or past give_up_after).
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

// Drives the load. Session thread i plays sessions g = 0, 1, ... with
// session_index g * sessions + i (the PayloadFactory coordinate):
// InitializeSession, then payload ids 1..payloads_per_session, each only
// after the previous one was acknowledged or given up, pausing
// payload_interval after each; every stream_every-th payload id goes through
// PushPayloadStream with the streamed factory's content. No new payload
// starts after `duration`; the call in flight then still finishes.
//
// Every attempt goes to the RunRecorder (with its gateway-side outcome);
// every acknowledged payload to the Ledger - size and SHA-256 of the
// serialized PayloadContent, the bytes the worker stores (chunk-wise for a
// stream, concatenated in chunk order by the verifier) - and as an ack to the
// recorder.
//
// Holds references to its collaborators, which must outlive it. `gateways`
// are thread-safe clients, one per gateway, in --gateways order. Threads:
// Run() starts the session threads and joins them; every collaborator is used
// from all of them at once (the Ledger, RunRecorder and observer are
// thread-safe); RunThread() runs one thread's loop on the caller's thread.
class LoadDriver {
 public:
  LoadDriver(LoadOptions options, std::vector<loadgen::IngestClient*> gateways,
             const loadgen::PayloadFactory& unary,
             const loadgen::PayloadFactory& streamed, loadgen::Ledger& ledger,
             RunRecorder& recorder, LoadObserver& observer,
             loadgen::Clock& clock);

  // Runs the session threads from now until the load ends; blocks until all
  // have finished.
  LoadStats Run();

  // One session thread's loop, on the calling thread.
  LoadStats RunThread(int thread_index, absl::Time load_end);

 private:
  // Runs one call with failover, recording each attempt.
  CallResult Call(int thread_index, absl::BitGenRef jitter, bool stream,
                  absl::FunctionRef<absl::Status(loadgen::IngestClient&)> rpc);

  const LoadOptions options_;
  const std::vector<loadgen::IngestClient*> gateways_;
  const loadgen::PayloadFactory& unary_;
  const loadgen::PayloadFactory& streamed_;
  loadgen::Ledger& ledger_;
  RunRecorder& recorder_;
  LoadObserver& observer_;
  loadgen::Clock& clock_;
};

}  // namespace ingest::chaos
