#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "client/cpp/options.h"

namespace ingest::chaos {

// Everything one chaos_load run is configured by. The defaults here are the
// flags' defaults; ParseChaosOptions binds each flag (named in the comment)
// to its field and validates the result.
struct ChaosOptions {
  std::string name;                         // --name: scenario, first word of output
  std::vector<std::string> gateways;        // --gateways: HOST:PORT, 1 or more
  std::string api_key;                      // --api_key, else $INGEST_API_KEY
  // TLS to the gateways: --tls_ca_file (empty: plaintext) and, for mutual
  // TLS, --tls_cert_file and --tls_key_file.
  client::ClientOptions::TlsFiles tls;
  std::string project_id = "demo-project";  // --project
  std::string pg_dsn;                       // --pg_dsn
  std::string kafka_bootstrap;              // --kafka_bootstrap
  std::string topic = "ingest.tasks";       // --topic

  // Load.
  int sessions = 12;  // concurrent session threads
  absl::Duration duration = absl::Seconds(90);
  absl::Duration payload_interval = absl::Milliseconds(100);
  int payloads_per_session = 200;  // then the thread starts a new session
  // Signed so that a negative flag value is refused, not wrapped around.
  int64_t min_payload_bytes = 10 * 1024;
  int64_t max_payload_bytes = 200 * 1024;
  int stream_every = 0;  // every Nth payload streamed; 0 = never
  int64_t stream_bytes = 8 << 20;
  absl::Duration call_timeout = absl::Seconds(10);    // per attempt (unary and stream)
  absl::Duration give_up_after = absl::Seconds(180);  // per call: the SDK's max_elapsed
  uint64_t seed = 1;

  // Measurement and verdict.
  std::string marks_file;  // fault_start / fault_end lines; required
  absl::Duration drain_timeout = absl::Seconds(240);
  int64_t lag_floor = 50;
  bool expect_gateway_unaffected = false;
  bool expect_no_ok_during_fault = false;
  std::string timeline_out;  // empty: none
  std::string ledger_out;    // empty: none
};

// Parses chaos_load's command line into `options` and validates them: the
// only place flags are read. Returns nullopt to go on, or the exit status
// when the program should stop: 0 after --help (the flags and their
// defaults on stdout), 2 (cli::kExitUsage) after an unknown flag, a bad
// value or unusable options (one line on stderr naming the flag).
std::optional<int> ParseChaosOptions(int argc, char** argv, ChaosOptions& options);

// The SDK options the load's clients are made from: the gateways, the API
// key, the TLS files, --call_timeout per attempt (streams too), and the retry policy: no
// attempt limit, --give_up_after per call, backoff from 100 ms capped at 2 s.
// Payloads above --max_payload_bytes (the streamed ones) are streamed.
client::ClientOptions ClientOptionsFor(const ChaosOptions& options);

}  // namespace ingest::chaos
