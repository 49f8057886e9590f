#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/time/time.h"
#include "client/cpp/clock.h"
#include "client/cpp/options.h"
#include "tools/console/console.h"
#include "tools/loadgen/ledger.h"
#include "tools/loadgen/payload_factory.h"

namespace ingest::loadgen {

struct SessionDriverOptions {
  // Starts every log line ("loadgen", "chaos kafka-down").
  std::string log_prefix = "loadgen";
  // SyntheticInitializeRequest's client and environment.
  std::string client_name = "loadgen";
  std::string environment = "loadgen";
  std::string project_id = "demo-project";
  // Payloads per session; payload ids run 1..payloads_per_session.
  int payloads_per_session = 25;
  // Names the client (client_id).
  uint64_t seed = 1;
  // What each session's SDK client is made from: targets, API key, deadlines,
  // the retry policy (retries are the SDK's), a test clock. Its observer is
  // the driver's own.
  client::ClientOptions client;

  // Every stream_every-th payload id is made by `streamed` (large payloads,
  // which the SDK sends with PushPayloadStream); 0: none.
  int stream_every = 0;
  const PayloadFactory* streamed = nullptr;
  // A pause after each payload (paced sessions), on `clock` (null: the real one).
  absl::Duration payload_interval = absl::ZeroDuration();
  client::Clock* clock = nullptr;
  // The last payload carries has_session_unloaded (the page unloads).
  bool unload_with_last_payload = true;
  // Each retried attempt logged on the console.
  bool log_retries = true;
  // Told of every attempt (on gRPC and timer threads) and of every
  // acknowledged payload (on the session's thread).
  std::function<void(const client::AttemptInfo&)> on_attempt;
  std::function<void()> on_ack;
};

struct SessionResult {
  std::string session_id;  // empty if InitializeSession failed
  int acked = 0;
  int not_acked = 0;
  int given_up = 0;  // calls: payloads skipped, or the InitializeSession
};

// Plays one session like a page with the SDK: its own client::Client (made
// from options.client, as a browser page would), StartSession, then
// Session::Push of payload ids 1..P strictly one after another (the next
// only once the previous was acknowledged or given up), the last one with
// has_session_unloaded set (the page unloads) unless options say otherwise. The SDK retries per
// proto/ingest/v1/RETRY.md with the same id and bytes. Every acknowledged
// payload goes into the ledger with its session index and the size and
// SHA-256 of its serialized content; a payload given up keeps its id and the
// session continues with the next one.
//
// Each retried attempt (told by the client's observer) and each call given
// up is logged on the console and counted:
//   loadgen: retry session 3 payload 7 (sid=S): attempt 1/8 failed:
//     UNAVAILABLE: ...; next in 83ms
//   loadgen: gave up on session 3 InitializeSession after 8 attempts: ...
//     (25 payloads not sent)
//
// Holds references to its collaborators, which must outlive it. Run() may be
// called from many threads at once (one session each); the counters from any
// thread.
class SessionDriver {
 public:
  SessionDriver(SessionDriverOptions options, const PayloadFactory& factory, Ledger& ledger,
                console::Console& console);

  // Runs session number `session_index` (0-based) from start to end, or
  // until `until`: no payload starts after it (the one in flight finishes).
  SessionResult Run(int session_index, absl::Time until = absl::InfiniteFuture());

  // Attempts retried so far.
  int64_t retries() const { return retries_.load(); }
  // Calls given up so far (a session whose InitializeSession failed counts
  // once).
  int64_t errors() const { return errors_.load(); }

 private:
  const SessionDriverOptions options_;
  const PayloadFactory& factory_;
  Ledger& ledger_;
  console::Console& console_;
  client::Clock& clock_;
  std::atomic<int64_t> retries_{0};
  std::atomic<int64_t> errors_{0};
};

}  // namespace ingest::loadgen
