#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "client/cpp/options.h"

namespace ingest::loadgen {

// Everything one loadgen run is configured by. The defaults here are the
// flags' defaults: flags.cc binds each flag to its field and checks it.
struct LoadgenOptions {
  std::string gateway;  // HOST:PORT of the gateway's gRPC port
  std::string api_key;  // project API key sent as `authorization: Bearer`
  std::string pg_dsn;   // libpq connection string of the worker's database
  std::string project_id = "demo-project";
  int sessions = 20;
  int payloads_per_session = 25;
  size_t min_payload_bytes = 10 * 1024;
  size_t max_payload_bytes = 3 * 1024 * 1024;
  uint64_t seed = 1;
  // Sessions in flight at once; 0 means all of them.
  int concurrency = 0;
  absl::Duration call_timeout = absl::Seconds(30);  // per attempt
  int max_attempts = 8;                             // per call, the first included
  absl::Duration verify_timeout = absl::Seconds(120);
  // How long, after the rows are there, to wait for the sessions whose last
  // payload (has_session_unloaded) is stored to be completed; zero: not
  // checked (sessions_completed is still reported).
  absl::Duration completion_timeout = absl::Seconds(60);
  std::string label = "demo";
  std::string ledger_out;  // empty: no ledger file
  // TLS to the gateway: its CA bundle (empty: plaintext) and, for mutual
  // TLS, this client's certificate and key.
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;

  // Threads that run sessions: concurrency, or sessions if it is 0, at most
  // sessions.
  int EffectiveConcurrency() const;

  friend bool operator==(const LoadgenOptions&, const LoadgenOptions&) = default;
};

// The SDK options every session's client is made from: the gateway, the API
// key, --call_timeout per attempt, and the retry policy: at most
// --max_attempts attempts per call (no time limit, as the attempts bound it),
// backoff from 100 ms capped at 5 s.
client::ClientOptions ClientOptionsFor(const LoadgenOptions& options);

}  // namespace ingest::loadgen
