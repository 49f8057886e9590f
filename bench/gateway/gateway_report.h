#pragma once

// What a gateway benchmark run measured, as the records of gateway.jsonl
// (gateway_bench_results.proto) and the `bench gateway: ...` lines on stdout
// (the format is the contract of issue 3 and of the later report), which are
// printed from those records. Pure.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "absl/types/span.h"
#include "bench/common/load_driver.h"
#include "bench/common/target_check.h"
#include "bench/gateway/gateway_facts_probe.h"
#include "bench/gateway/options.h"
#include "gateway_bench_results.pb.h"

namespace ingest::bench {

// Cores each process used during a measurement window (1.0 = one core busy
// throughout); -1 = not measured.
struct CpuUsage {
  double client = -1;  // the benchmark process itself
  double gateway = -1;
  double kafka = -1;
};

// One maximum throughput run of one side.
struct ThroughputRun {
  ThroughputStats stats;
  CpuUsage cpu;  // during the window
  // The gateway's fact extraction in the window: the gateway side with
  // --gateway_metrics_url, when both reads worked.
  std::optional<FactCounters> facts;
};

// The run whose msgs/s is the median of `runs` (the lower middle one of an
// even count): its numbers (CPU, counts) stand for the side. `runs` must not
// be empty.
const ThroughputRun& MedianRun(absl::Span<const ThroughputRun> runs);

// The rate both latency phases offer: half of min(gateway max, raw max), a
// rate both sides can sustain (half the raw maximum alone is above the
// gateway's maximum where the gateway is the slower side, and then measures
// a growing queue). 0 when either side measured nothing.
double LatencyRate(double gateway_msgs_per_s, double raw_msgs_per_s);

// The record of one size (kind "size"). `raw` and `gateway` are the maximum
// throughput runs in the order measured, pair i being raw[i] and gateway[i];
// the ratio is the median of the per-pair ratios (a pair whose raw side
// measured nothing is left out) and each side's figures its MedianRun's.
// Both spans must be non-empty.
GatewaySizeRecord SizeRecord(int64_t size_bytes, absl::Span<const ThroughputRun> raw,
                             absl::Span<const ThroughputRun> gateway,
                             const LatencyStats& raw_latency, const LatencyStats& gateway_latency);

// One large payload streamed through PushPayloadStream while the gateway's
// resident memory was sampled.
struct StreamResult {
  int64_t total_bytes = 0;
  int64_t chunk_bytes = 0;    // size of each chunk message the client sent
  int64_t chunk_records = 0;  // chunk_count in the gateway's answer
  absl::Duration elapsed;
  int64_t idle_rss_bytes = 0;  // before the call
  int64_t peak_rss_bytes = 0;  // highest sample during the call
  int64_t rss_samples = 0;
};

// Its record (kind "stream"); rss_growth_mb is peak minus idle, in MiB.
GatewayStreamRecord StreamRecord(const StreamResult& result);

// bench gateway: size=100KB gateway_msgs_per_s=… raw_msgs_per_s=… ratio=…
// p50_ms=… p99_ms=… raw_p99_ms=… ratio_spread=…-… runs=… latency_rate_per_s=…
// p99_vs_raw=…|- facts_s_per_gib=…|n/a  (p50/p99 are the gateway's, open
// loop; msgs/s each side's median run; ratio the median of the per-pair
// ratios)
std::string FormatSizeLine(const GatewaySizeRecord& size);

// bench gateway: stream_256MB rss_growth_mb=…
std::string FormatStreamLine(const GatewayStreamRecord& stream);

// ratio@100KB>=0.95 MISSED (0.91, runs 0.88-0.93), ... (for FormatTargetsLine).
std::vector<TargetCheck> EvaluateTargets(absl::Span<const GatewaySizeRecord> sizes,
                                         const std::optional<GatewayStreamRecord>& stream,
                                         const Targets& targets);

}  // namespace ingest::bench
