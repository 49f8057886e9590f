#pragma once

// What a gateway benchmark run measured, and how it is printed: the
// `bench gateway: ...` lines on stdout (the format is the contract of issue 3
// and of the later report) and one JSON object per line for
// bench/results/<run>/gateway.jsonl.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "absl/types/span.h"
#include "bench/common/run_spread.h"
#include "bench/common/stats.h"
#include "bench/common/target_check.h"

namespace ingest::bench {

// Cores each process used during a measurement window (1.0 = one core busy
// throughout); -1 = not measured.
struct CpuUsage {
  double client = -1;  // the benchmark process itself
  double gateway = -1;
  double kafka = -1;
};

// The gateway's fact extraction (issue 18) during a measurement window,
// from the differences of its /metrics counters (gateway_facts_probe.h).
struct FactExtraction {
  bool measured = false;  // false: no --gateway_metrics_url, or a read failed
  double seconds = 0;     // time spent reading facts (the histogram's _sum)
  double bytes = 0;       // raw content bytes whose facts were read
};

// A closed-loop phase: `lanes` messages kept in flight for as long as it ran.
struct ThroughputStats {
  int lanes = 0;
  int64_t acked = 0;     // acknowledged inside the measurement window
  absl::Duration window;  // the measurement window, after the warm-up
  double msgs_per_s = 0;
  int64_t backpressure_retries = 0;  // RESOURCE_EXHAUSTED answers, retried
  CpuUsage cpu;                      // during the window
  FactExtraction facts;              // during the window; the gateway side only
};

// An open-loop phase: messages due at a fixed rate, latency measured from each
// message's due time to its acknowledgement.
struct LatencyStats {
  double rate_per_s = 0;
  int lanes = 0;
  LatencySummary latency;  // over the messages due inside the measurement window
  // Messages still queued (never sent) when the drain deadline passed; they
  // are in `latency` with the wait they had so far, a lower bound.
  int64_t abandoned = 0;
  int64_t backpressure_retries = 0;
};

// Every phase of one message size. The maximum throughput of each side is
// measured `runs` times, interleaved (raw 1, gateway 1, raw 2, gateway 2,
// ...), so drift of the machine hits both alike; the ratio is the median of
// the per-pair ratios. Latency is measured once per side, at the same rate.
struct SizeResult {
  int64_t size_bytes = 0;
  // Each side's median run (by msgs/s): its numbers (CPU, counts) stand for
  // the side.
  ThroughputStats raw_throughput;
  ThroughputStats gateway_throughput;
  // msgs/s of every run, in the order measured; pair i is raw i and gateway
  // i. Empty: one pair, the two above.
  std::vector<double> raw_runs_msgs_per_s;
  std::vector<double> gateway_runs_msgs_per_s;
  LatencyStats raw_latency;
  LatencyStats gateway_latency;
};

// One large payload streamed through PushPayloadStream while the gateway's
// resident memory was sampled.
struct StreamResult {
  int64_t total_bytes = 0;
  int64_t chunk_bytes = 0;     // size of each chunk message the client sent
  int64_t chunk_records = 0;   // chunk_count in the gateway's answer
  absl::Duration elapsed;
  int64_t idle_rss_bytes = 0;  // before the call
  int64_t peak_rss_bytes = 0;  // highest sample during the call
  int64_t rss_samples = 0;
};

// gateway msgs/s over raw msgs/s at one size, at least `min_ratio`.
struct RatioTarget {
  int64_t size_bytes = 0;
  double min_ratio = 0;
};

// The targets of issues 3 and 16. They are reported, never asserted.
struct Targets {
  std::vector<RatioTarget> ratios = {{.size_bytes = 100 * 1024, .min_ratio = 0.95},
                                     {.size_bytes = 10 * 1024, .min_ratio = 0.6}};
  double max_p99_vs_raw = 3.0;
  double max_rss_growth_mb = 64;
};

// `value` with `digits` significant digits and never an exponent: 12345.6 ->
// "12346", 85.23 -> "85.2", 1.2345 -> "1.23", 0.01234 -> "0.0123", 0 -> "0".
std::string FormatSignificant(double value, int digits = 3);

// gateway msgs/s over raw msgs/s of each interleaved pair of runs, in
// order; a pair whose raw side measured nothing is left out.
std::vector<double> RatioRuns(const SizeResult& result);

// The median of RatioRuns with its spread (runs = 0 when none).
RunSpread RatioSpread(const SizeResult& result);

// The median of RatioRuns; 0 when raw measured nothing.
double ThroughputRatio(const SizeResult& result);

// The rate both latency phases offer: half of min(gateway max, raw max), a
// rate both sides can sustain (half the raw maximum alone is above the
// gateway's maximum where the gateway is the slower side, and then measures
// a growing queue). 0 when either side measured nothing.
double LatencyRate(double gateway_msgs_per_s, double raw_msgs_per_s);

// Gateway p99 over raw p99 at the latency rate; nullopt if either is missing.
std::optional<double> P99VsRaw(const SizeResult& result);

// Seconds of fact extraction per GiB (2^30 bytes) of raw content read:
// seconds / (bytes / 2^30); nullopt unless measured with bytes > 0.
std::optional<double> FactsSecondsPerGib(const FactExtraction& facts);

// Megabytes (2^20 bytes) the gateway grew by: peak minus idle.
double RssGrowthMb(const StreamResult& result);

// bench gateway: size=100KB gateway_msgs_per_s=… raw_msgs_per_s=… ratio=…
// p50_ms=… p99_ms=… raw_p99_ms=… ratio_spread=…-… runs=… latency_rate_per_s=…
// p99_vs_raw=… facts_s_per_gib=…|n/a  (p50/p99 are the gateway's, open loop;
// msgs/s each side's median run; ratio the median of the per-pair ratios;
// facts_s_per_gib the gateway's median run's, FactsSecondsPerGib)
std::string FormatSizeLine(const SizeResult& result);

// bench gateway: stream_256MB rss_growth_mb=…
std::string FormatStreamLine(const StreamResult& result);

std::vector<TargetCheck> EvaluateTargets(absl::Span<const SizeResult> results,
                                         const std::optional<StreamResult>& stream,
                                         const Targets& targets);

// bench gateway: targets ratio@100KB>=0.95 MISSED (0.91, runs 0.88-0.93); ...
std::string FormatTargetsLine(absl::Span<const TargetCheck> checks);

// JSON Lines records, told apart by "kind": "size", "stream" (targets use
// TargetJson, kind "target").
std::string SizeResultJson(const SizeResult& result);
std::string StreamResultJson(const StreamResult& result);

}  // namespace ingest::bench
