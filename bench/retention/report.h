#pragma once

// What a retention benchmark run measured, and how it is printed: the
// `bench retention: ...` lines on stdout and the records of
// bench/results/<run>/retention.jsonl (retention_bench_results.proto). Pure.

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "absl/types/span.h"
#include "bench/common/run_spread.h"
#include "bench/common/target_check.h"
#include "bench/retention/day_fill.h"
#include "bench/retention/enforcement_timing.h"
#include "bench/retention/options.h"
#include "bench/retention/write_window.h"
#include "retention_bench_results.pb.h"

namespace ingest::bench_retention {

using ::ingest::bench::TargetCheck;

// One day of `size_bytes` filled, then expired with nothing else running.
struct SizeResult {
  int64_t size_bytes = 0;
  FilledDay fill;
  EnforcementTiming timing;
};

// One run of the worker phase: the writer alone for a window (before), for a
// window from the start of an enforcement that expires `fill` (during), and
// alone again (after). `without` is before and after combined.
struct WorkerRun {
  FilledDay fill;
  EnforcementTiming timing;
  WindowStats before;
  WindowStats during;
  WindowStats after;
  WindowStats without;
  WindowStats while_enforcing;  // from the enforcement's start to its end
  // Why enforcement did not expire `fill` (e.g. its DROP lost a deadlock
  // with the writer); empty when it did. Such a run is measured and
  // reported, left out of the throughput target, and misses
  // expired_beside_writer.
  std::string incomplete;

  // during over without, in records/s; NaN when `without` wrote nothing.
  double ratio() const;
};

// bench retention: size=1GB enforce_s=… drop_s=… sessions_s=… partitions_dropped=2
// bytes_dropped_mb=… sessions_deleted=… fill_s=… fill_mb_per_s=…
std::string FormatSizeLine(const SizeResult& result);

// bench retention: enforce_ratio=… (10GB/1GB) enforce_s 1GB=… 10GB=…: the
// largest size's time over the smallest's; nullopt with fewer than two sizes.
std::optional<std::string> FormatEnforceRatioLine(absl::Span<const SizeResult> results);

// bench retention: worker expired=10GB record=100KB records_per_tx=100
// without_records_per_s=… during_records_per_s=… without_mb_per_s=…
// during_mb_per_s=… ratio=… ratio_spread=…-… runs=… longest_call_ms_without=…
// longest_call_ms_during=… enforce_s=… while_enforcing_records_per_s=… window_s=…
// incomplete_runs=…
// (without: the windows before and after the one with enforcement, as one;
// records/s and MB/s: each side's median run; ratio: the median of the
// per-run ratios; longest calls: the longest of any run; enforce_s and
// while_enforcing: medians). Needs a run.
std::string FormatWorkerLine(absl::Span<const WorkerRun> runs,
                             const RetentionBenchOptions& options);

// enforce@10GB<=2x_1GB+1s held (10GB 0.42 s, 1GB 0.31 s);
// worker_during>=0.9x_without held (0.97, runs 0.95-0.99), over the runs
// whose enforcement expired the day; expired_beside_writer held (2 of 2
// runs): every worker run's enforcement expired the day. A target without
// what it needs (one size; no complete worker run) is "not measured".
std::vector<TargetCheck> EvaluateTargets(absl::Span<const SizeResult> sizes,
                                         absl::Span<const WorkerRun> runs,
                                         const RetentionBenchOptions& options);

// The records of retention.jsonl (targets use bench::ToTargetRecord).
RunRecord RunRecordOf(const RetentionBenchOptions& options, absl::Time started_at, int cpus,
                      const std::string& filesystem);
SizeRecord SizeRecordOf(const SizeResult& result);
WorkerRunRecord WorkerRunRecordOf(int run, const WorkerRun& result);
WorkerRecord WorkerRecordOf(absl::Span<const WorkerRun> runs, const RetentionBenchOptions& options);

}  // namespace ingest::bench_retention
