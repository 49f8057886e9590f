#pragma once

// What a bench_e2e run measured, as the records of e2e_bench_results.proto,
// and how they read on stdout: the `bench e2e:`, `bench failover:` and
// `bench size:` lines (three significant digits, ratios with two decimals,
// "n/a" for what was not measured) and the targets' verdicts. Pure.

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "bench/common/report.h"
#include "bench/common/target_check.h"
#include "bench/e2e/options.h"
#include "e2e_bench_results.pb.h"
#include "google/protobuf/struct.pb.h"

namespace ingest::bench_e2e {

using ::ingest::bench::TargetCheck;

using ::ingest::bench::Nullable;

// bench::Nullable for readings where a negative value means "not measured"
// (CPU cores, RSS).
google::protobuf::Value NullIfNegative(double value);

// "client 0.03, gateway 0.12, worker n/a, kafka 0.32, postgres 0.20".
std::string FormatCores(const Cores& cores);

// --- e2e ------------------------------------------------------------------

inline constexpr double kE2eTargetRatio = 0.7;
inline constexpr double kE2eTargetRatioVsRawCopy = 0.5;

// The outcome of a search over `steps` (options give the size and the
// maxima): sustained = the offered rate of the highest bounded step (0 when
// none was), its ratio to M = min(gateway max, worker max) and to the raw
// COPY rate, the bracket the search left (sustained / M to the lowest
// unbounded rate / M) and the targets' verdicts.
E2eRecord SummarizeE2e(const E2eOptions& options, absl::Span<const E2eStepRecord> steps,
                       bool converged);
// bench e2e: size=100KB sustained_msgs_per_s=… min_max_msgs_per_s=… ratio=… steps=N
// ratio_spread=…-… unbounded_msgs_per_s=… converged=… raw_copy_msgs_per_s=…
// ratio_vs_raw_copy=…
std::string FormatE2eLine(const E2eRecord& record);
// ratio>=0.7 (with where the search found it unbounded), ratio_vs_raw_copy>=0.5.
std::vector<TargetCheck> E2eTargets(const E2eRecord& record);

// --- failover -------------------------------------------------------------

inline constexpr double kFailoverTargetRatio = 1.3;

// Sets ratio (takeover_s / session_timeout_s), target and verdict.
void JudgeFailover(FailoverRecord& record);
// bench failover: session_timeout_s=10 takeover_s=… ratio=… restart_s=…
// restart_revocations=…
std::string FormatFailoverLine(const FailoverRecord& record);
// ratio<=1.3; partitions never consumed again are missed.
TargetCheck FailoverTarget(const FailoverRecord& record);

// --- sizes ----------------------------------------------------------------

// bench size: size=10MB transport=stream mb_per_s=… msgs_per_s=… lanes=8
std::string FormatSizeLine(const SizeRecord& record);
// bench size: stream_100MB mb_per_s=… commit_s=… peak_rss_mb client=… gateway=…
// worker=… kafka=… postgres=…
std::string FormatBigStreamLine(const BigStreamRecord& record);
// peak_rss<=4x_payload: every measured process (PostgreSQL's largest one)
// peaked at no more than limit_mb.
TargetCheck BigStreamTarget(const BigStreamRecord& record);

}  // namespace ingest::bench_e2e
