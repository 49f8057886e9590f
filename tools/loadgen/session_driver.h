#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/cpp/options.h"
#include "ingest/v1/ingest.pb.h"
#include "tools/loadgen/ledger.h"
#include "tools/loadgen/payload_factory.h"

namespace ingest::loadgen {

struct SessionDriverOptions {
  std::string project_id = "demo-project";
  // Payloads per session; payload ids run 1..payloads_per_session.
  int payloads_per_session = 25;
  // Names the client (client_id).
  uint64_t seed = 1;
  // What each session's SDK client is made from: targets, API key, deadlines,
  // the retry policy (retries are the SDK's), a test clock. Its observer is
  // the driver's own.
  client::ClientOptions client;
};

// One failed call attempt, as told to a SessionObserver.
struct CallFailure {
  int session_index = 0;
  // Empty until InitializeSession has succeeded.
  absl::string_view session_id;
  uint64_t payload_id = 0;  // 0 for InitializeSession
  int attempt = 0;          // 1-based attempt that failed
  int max_attempts = 0;     // the SDK's limit; 0 = none
  absl::Status status;
  absl::Duration retry_delay;  // pause before the next attempt (retries only)
};

// Hears about trouble in sessions. Called from session threads and the SDK's
// gRPC and timer threads, concurrently.
class SessionObserver {
 public:
  virtual ~SessionObserver() = default;

  // An attempt failed and the SDK retries the call after retry_delay.
  virtual void OnRetry(const CallFailure& failure) = 0;

  // A call failed for good (the SDK returned a final status or gave up);
  // `payloads_not_acked` payloads are given up because of it (1 for a
  // payload, all of the session's for InitializeSession).
  virtual void OnGiveUp(const CallFailure& failure, int payloads_not_acked) = 0;
};

struct SessionResult {
  std::string session_id;  // empty if InitializeSession failed
  int acked = 0;
  int not_acked = 0;
};

// Plays one session like a page with the SDK: its own client::Client (made
// from options.client, as a browser page would), StartSession, then
// Session::Push of payload ids 1..P strictly one after another (the next
// only once the previous was acknowledged or given up), the last one with
// has_session_unloaded set (the page unloads). The SDK retries per
// proto/ingest/v1/RETRY.md with the same id and bytes; its observer turns
// each retried attempt into an OnRetry. Every acknowledged payload goes into
// the ledger with its session index and the size and SHA-256 of its
// serialized content; a payload given up keeps its id and the session
// continues with the next one.
//
// Holds references to its collaborators, which must outlive it. Run() is
// const and may be called from many threads at once (one session each).
class SessionDriver {
 public:
  SessionDriver(SessionDriverOptions options, const PayloadFactory& factory,
                Ledger& ledger, SessionObserver& observer);

  // Runs session number `session_index` (0-based) from start to end.
  SessionResult Run(int session_index) const;

 private:
  const SessionDriverOptions options_;
  const PayloadFactory& factory_;
  Ledger& ledger_;
  SessionObserver& observer_;
};

}  // namespace ingest::loadgen
