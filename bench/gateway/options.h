#pragma once

// Everything a gateway benchmark run needs: the command line bound to its
// fields (the defaults are the struct's), validated in one place.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "bench/common/target_check.h"
#include "client/cpp/options.h"

namespace ingest::bench {

// The targets of issues 3 and 16 (the ratios: gateway msgs/s over raw
// msgs/s). They are reported, never asserted.
struct Targets {
  std::vector<RatioTarget> ratios = {{.size_bytes = 100 * 1024, .min_ratio = 0.95},
                                     {.size_bytes = 10 * 1024, .min_ratio = 0.6}};
  double max_p99_vs_raw = 3.0;
  double max_rss_growth_mb = 64;
};

struct BenchOptions {
  // The stack under test (./dev bench fills these in).
  std::string gateway_address;  // HOST:PORT
  std::string api_key;
  // TLS to the gateway (--tls_ca_file, --tls_cert_file, --tls_key_file);
  // plaintext without a CA.
  client::ClientOptions::TlsFiles tls;
  std::string project_id = "demo-project";
  std::string kafka_bootstrap;
  std::string topic = "ingest.tasks";
  int gateway_pid = 0;  // for RSS and CPU; 0 skips the memory phase
  int kafka_pid = 0;    // for CPU; 0 = not measured
  // The gateway's /metrics (http://IPV4:PORT/PATH), read around each gateway
  // throughput window for the fact extraction seconds per GiB; empty = not
  // measured (facts_s_per_gib=n/a).
  std::string gateway_metrics_url;
  absl::Duration metrics_timeout = absl::Seconds(5);  // per read of it

  // Message sizes, each measured in four phases.
  std::vector<int64_t> sizes = {10 * 1024, 100 * 1024, 1024 * 1024};
  // Maximum throughput (closed loop): warm-up, then the measured window.
  absl::Duration warmup = absl::Seconds(3);
  absl::Duration window = absl::Seconds(10);
  // Maximum throughput runs per side, interleaved (raw, gateway, raw, ...);
  // the ratio is the median of the per-pair ratios.
  int runs = 3;
  // Latency at half of min(gateway max, raw max) (open loop).
  absl::Duration latency_warmup = absl::Seconds(2);
  absl::Duration latency_window = absl::Seconds(10);
  absl::Duration drain_timeout = absl::Seconds(30);
  // Messages in flight: 0 = by size (RawLanesFor, GatewayLanesFor).
  int raw_lanes = 0;
  int gateway_lanes = 0;
  int channels = 4;
  // Distinct bodies per size, in bytes.
  int64_t pool_bytes = int64_t{32} << 20;

  // The memory phase: one payload of stream_bytes through PushPayloadStream.
  int64_t stream_bytes = int64_t{256} << 20;
  int64_t stream_chunk_bytes = int64_t{1} << 20;
  absl::Duration rss_interval = absl::Milliseconds(20);

  // Per attempt (the SDK's call_deadline and stream_deadline).
  absl::Duration call_timeout = absl::Seconds(30);
  absl::Duration stream_timeout = absl::Minutes(5);
  // How long the SDK keeps retrying one call before it gives up.
  absl::Duration give_up_after = absl::Seconds(30);

  std::string results_jsonl;  // appended to; empty = none
  bool quick = false;         // set by ApplyQuick
  Targets targets;
};

// Parses the command line into `options` (flags bound to its fields; the
// API key also from $INGEST_API_KEY), applies --quick (which overrides the
// duration and stream flags, and --runs only when not given) and validates.
// Returns nullopt to go on, or the exit status: 0 after --help, 2 after a
// usage error or invalid options (printed to stderr).
std::optional<int> ParseBenchOptions(int argc, char** argv, BenchOptions& options);

// Seconds instead of minutes, to keep the harness alive (./dev bench gateway
// --quick): short phases, one run per side, a small pool and a 16 MB
// stream. The numbers mean little.
void ApplyQuick(BenchOptions& options);

// Records the raw producer keeps in flight at `size`: options.raw_lanes, or
// 128 MB worth clamped to [64, 8192] — enough to keep librdkafka's batches
// full (10 KB: 8192, 100 KB: 1310, 1 MB: 128).
int RawLanesFor(const BenchOptions& options, int64_t size);

// Concurrent PushPayload calls (= sessions) at `size`: options.gateway_lanes,
// or 64 MB worth clamped to [32, 256] (10 KB and 100 KB: 256, 1 MB: 64).
int GatewayLanesFor(const BenchOptions& options, int64_t size);

// Sessions the run needs: the most lanes of any size.
int SessionsNeeded(const BenchOptions& options);

// The SDK's stream_threshold_bytes: the largest of `sizes`, so that they
// are sent with PushPayload and the memory phase's larger payload is
// streamed (ParseBenchOptions checks that it is larger).
int64_t StreamThresholdBytes(const BenchOptions& options);

// What the measuring phases take at least (warm-ups, windows, stream
// excluded), to tell the user up front.
absl::Duration PlannedPhaseTime(const BenchOptions& options);

}  // namespace ingest::bench
