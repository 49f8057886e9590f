#pragma once

// Everything a bench_e2e run needs, read from the command line and validated
// in one place. The fields hold the defaults; durations and counts left at 0
// (or -1) take the mode's default after parsing, so `--quick` shortens only
// what the command line did not set.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/cpp/options.h"

namespace ingest::bench_e2e {

enum class Mode { kE2e, kFailover, kSizes };

absl::string_view ModeName(Mode mode);

// When an end-to-end step counts as bounded (see step_classifier.h for why
// these values).
struct StepThresholds {
  double min_accepted_fraction = 0.97;                    // acknowledged / due inside the window
  double max_slope_fraction = 0.02;                       // lag slope, per second, over the rate
  absl::Duration final_lag_rate_span = absl::Seconds(3);  // last lag <= rate x this
  int final_lag_lanes = 2;                                // ... + lanes x this
};

struct E2eOptions {
  Mode mode = Mode::kE2e;

  // --- the stack under test
  std::string gateway_address;  // HOST:PORT
  std::string api_key;          // default: $INGEST_API_KEY
  // TLS to the gateway (--tls_ca_file, --tls_cert_file, --tls_key_file);
  // plaintext without a CA.
  client::ClientOptions::TlsFiles tls;
  std::string project_id = "demo-project";
  std::string kafka_bootstrap;
  std::string topic = "ingest.tasks";
  std::string pg_dsn;
  int gateway_pid = 0;  // CPU and RSS; 0 = not measured
  int kafka_pid = 0;
  int pg_pid = 0;    // the postmaster; its children are counted with it
  int channels = 4;  // gRPC connections to the gateway

  // --- the workers this tool starts: the command after `--`, to which it
  // appends --metrics_address and --health_address (and, in failover mode,
  // --group_instance_id, --session_timeout and --heartbeat_interval).
  std::vector<std::string> worker_command;
  std::string log_dir;  // bench-worker-N.log; empty = a new directory under $TMPDIR
  std::string pid_dir;  // bench-worker-N.pid (./dev's format); empty = none
  absl::Duration worker_ready_timeout = absl::Seconds(60);
  absl::Duration worker_stop_grace = absl::Seconds(30);

  std::string results_jsonl;  // appended to; empty = none
  bool quick = false;

  // --- payloads sent with PushPayload (e2e and failover)
  int64_t size_bytes = 100 * 1024;
  int64_t pool_bytes = 0;  // distinct bodies; 0 = the mode's default
  int lanes = 256;         // sessions; message i goes to session i mod lanes

  // --- mode e2e
  double gateway_max_msgs_per_s = 0;  // measured earlier by gateway_bench at size_bytes
  double worker_max_msgs_per_s = 0;   // ... and by worker_bench
  // worker_bench's raw COPY msgs/s at size_bytes; 0 = not measured (the
  // ratio to it is then not reported).
  double raw_copy_msgs_per_s = 0;
  int workers = 1;
  absl::Duration window;  // 0 = the mode's default (also sizes)
  absl::Duration warmup;  // 0 = the mode's default (also sizes)
  int max_steps = 0;      // the bisection's cap (rate_search.h); 0 = the default
  // Before a step, how long the lag gets to fall under the step's floor.
  absl::Duration settle_timeout;  // 0 = the default
  StepThresholds thresholds;

  // --- mode failover
  absl::Duration session_timeout;  // 0 = the default
  absl::Duration heartbeat_interval = absl::Seconds(1);
  double rate_per_s = 200;
  absl::Duration settle;  // load before the crash; 0 = the default
  // How long a dead worker's partitions get to be consumed again.
  absl::Duration takeover_timeout;  // 0 = 4 x session_timeout + 30 s
  // After the load stops, how long the lag gets to reach 0 (failover), or
  // the big stream to be committed, or the backlog before it to drain (sizes).
  absl::Duration drain_timeout;  // 0 = the default

  // --- mode sizes
  std::vector<int64_t> sizes = {10 * 1024 * 1024};  // each streamed
  int stream_lanes = 8;
  int64_t stream_chunk_bytes = 1 << 20;
  int64_t big_stream_bytes = -1;  // -1 = the default; 0 = skipped
  absl::Duration stream_timeout = absl::Minutes(10);
  absl::Duration rss_interval = absl::Milliseconds(20);

  // Per attempt of a unary call (the SDK's call_deadline).
  absl::Duration call_timeout = absl::Seconds(30);
  // How long the SDK keeps retrying one call before it gives up.
  absl::Duration give_up_after = absl::Seconds(30);
};

// Parses the command line (CLI11, each flag bound to its field of `options`;
// everything after `--` is the worker's command line), fills in the mode's
// defaults and validates. Returns nullopt to run, or the exit status to stop
// with: 0 after --help (printed on stdout), 2 after an unknown flag, a bad
// value or an invalid combination (on stderr, naming the flag). The only
// place flags are read.
std::optional<int> ParseOptions(int argc, char** argv, E2eOptions& options);

// Whether this run starts workers (and so needs the command after `--`).
bool NeedsWorkers(const E2eOptions& options);

}  // namespace ingest::bench_e2e
