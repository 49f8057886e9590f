#pragma once

// What a bench_e2e run measured and how it is printed: the `bench e2e:`,
// `bench failover:` and `bench size:` lines on stdout (three significant
// digits, ratios with two decimals, "n/a" for what was not measured) and one
// JSON object per line, told apart by "kind" (see README.md for the fields).
// Pure.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/types/span.h"
#include "bench/common/run_spread.h"
#include "bench/common/target_check.h"
#include "bench/e2e/step_classifier.h"
#include "bench/e2e/stored_sessions.h"
#include "bench/e2e/takeover.h"

namespace ingest::bench_e2e {

using ::ingest::bench::TargetCheck;

// Cores each process (group) used over a window; -1 = not measured.
struct CpuCores {
  double client = -1;
  double gateway = -1;
  double worker = -1;    // every worker together
  double kafka = -1;
  double postgres = -1;  // postmaster and backends
};

// --- e2e ------------------------------------------------------------------

inline constexpr double kE2eTargetRatio = 0.7;
inline constexpr double kE2eTargetRatioVsRawCopy = 0.5;

struct StepResult {
  double fraction = 0;     // of min(gateway max, worker max)
  double rate_per_s = 0;   // offered
  double achieved_per_s = 0;  // acknowledged inside the window / window
  int64_t due = 0;
  int64_t accepted = 0;
  int64_t backpressure_retries = 0;
  int64_t errors = 0;      // failures other than backpressure
  std::string first_error;
  int64_t abandoned = 0;   // queued in the client when the step ended
  double warmup_s = 0;
  double window_s = 0;
  int64_t start_lag = 0;   // when the load started
  double settle_s = 0;     // waited for the lag to fall under the floor
  bool started_clean = true;  // the lag was under the floor at the start
  StepVerdict verdict;
  // (seconds since the load started, lag): every fresh sample of the step.
  std::vector<std::pair<double, double>> lag;
  CpuCores cpu;  // over the window
};

struct E2eResult {
  int64_t size_bytes = 0;
  double gateway_max_msgs_per_s = 0;
  double worker_max_msgs_per_s = 0;
  double raw_copy_msgs_per_s = 0;  // 0 = not measured
  std::vector<StepResult> steps;
  // The bisection narrowed the bounded and the unbounded rate to within its
  // tolerance (rate_search.h) before it ran out of steps.
  bool converged = false;
  double tolerance = 0.05;
};

double MinMax(const E2eResult& result);
// The offered rate of the highest bounded step; nullopt when none was.
std::optional<double> SustainedRate(const E2eResult& result);
// The offered rate of the lowest unbounded step; nullopt when none was.
std::optional<double> UnboundedRate(const E2eResult& result);
// Sustained over MinMax (0 when nothing was bounded).
double E2eRatio(const E2eResult& result);
// Sustained over the raw COPY rate; nullopt when that was not given.
std::optional<double> E2eRatioVsRawCopy(const E2eResult& result);
// The ratios the search's bracket allows: sustained / M to unbounded / M
// (the sustained one alone without an unbounded step).
bench::RunSpread E2eRatioBracket(const E2eResult& result);

std::string StepJson(const StepResult& step);
std::string E2eJson(const E2eResult& result);
// bench e2e: size=100KB sustained_msgs_per_s=… min_max_msgs_per_s=… ratio=… steps=N
// ratio_spread=…-… unbounded_msgs_per_s=… converged=… raw_copy_msgs_per_s=…
// ratio_vs_raw_copy=…
std::string FormatE2eLine(const E2eResult& result);
// ratio>=0.7 over min(gateway max, worker max).
TargetCheck E2eTarget(const E2eResult& result);
// ratio_vs_raw_copy>=0.5.
TargetCheck E2eRawCopyTarget(const E2eResult& result);

// --- failover -------------------------------------------------------------

inline constexpr double kFailoverTargetRatio = 1.3;

struct FailoverResult {
  double session_timeout_s = 0;
  double rate_per_s = 0;
  std::vector<int32_t> killed_partitions;
  TakeoverResult takeover;  // after the SIGKILL
  std::vector<int32_t> restart_partitions;
  std::optional<TakeoverResult> restart;  // after the SIGTERM and restart
  double restart_shutdown_s = -1;
  int64_t restart_revocations = -1;
  int64_t restart_partitions_moved = -1;
  std::vector<std::pair<double, std::string>> timeline;  // (s since the start, event)
  int64_t acked = 0;
  int64_t errors = 0;
  int64_t backpressure_retries = 0;
  std::optional<ExactlyOnceReport> exactly_once;  // after the drain
};

// takeover_s / session_timeout_s; NaN when the takeover was not measured.
double FailoverRatio(const FailoverResult& result);
std::string FailoverJson(const FailoverResult& result);
// bench failover: session_timeout_s=10 takeover_s=… ratio=… restart_s=…
// restart_revocations=…
std::string FormatFailoverLine(const FailoverResult& result);
TargetCheck FailoverTarget(const FailoverResult& result);

// --- sizes ----------------------------------------------------------------

struct SizeResult {
  int64_t size_bytes = 0;
  int lanes = 0;
  int64_t acked = 0;
  double window_s = 0;
  double msgs_per_s = 0;
  double mb_per_s = 0;
  int64_t backpressure_retries = 0;
  CpuCores cpu;
};

// Resident memory of one role; -1 = not measured.
struct RoleRss {
  int64_t idle_bytes = -1;  // median of a few readings before the stream
  int64_t peak_bytes = -1;  // highest reading until the payload was committed
};

struct BigStreamResult {
  int64_t total_bytes = 0;
  int64_t chunk_bytes = 0;
  int64_t chunk_records = 0;
  double ack_s = 0;     // first byte sent to the gateway's answer
  double mb_per_s = 0;  // total / ack_s
  double commit_s = -1;  // first byte sent to every chunk row committed
  int64_t lag_before = 0;  // records not yet committed when the stream started
  RoleRss client;
  RoleRss gateway;
  RoleRss worker;
  RoleRss kafka;
  RoleRss postgres_max;  // the largest single PostgreSQL process
  RoleRss postgres_sum;  // all of them together
  int64_t rss_samples = 0;
};

std::string SizeJson(const SizeResult& result);
std::string BigStreamJson(const BigStreamResult& result);
// bench size: size=10MB transport=stream mb_per_s=… msgs_per_s=… lanes=8
std::string FormatSizeLine(const SizeResult& result);
// bench size: stream_100MB mb_per_s=… commit_s=… peak_rss_mb client=… gateway=… worker=…
// kafka=… postgres=…
std::string FormatBigStreamLine(const BigStreamResult& result);
// peak_rss<=4x_payload: every measured process (PostgreSQL's largest one)
// peaked at no more than 4 x the payload's size.
TargetCheck BigStreamTarget(const BigStreamResult& result);

// --- shared ---------------------------------------------------------------

// "bench <name>: targets <checks>".
std::string FormatTargetsLine(absl::string_view name, absl::Span<const TargetCheck> checks);

}  // namespace ingest::bench_e2e
