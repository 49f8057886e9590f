#include "bench/retention/report.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/common/report.h"
#include "bench/retention/data_size.h"

namespace ingest::bench_retention {
namespace {

using ::ingest::bench::FormatSignificant;

// Seconds with three significant digits; "n/a" for a step not told apart.
std::string Seconds(absl::Duration duration) {
  return duration < absl::ZeroDuration() ? "n/a"
                                         : FormatSignificant(absl::ToDoubleSeconds(duration));
}

double SecondsOrMinus1(absl::Duration duration) {
  return duration < absl::ZeroDuration() ? -1 : absl::ToDoubleSeconds(duration);
}

double Ms(absl::Duration duration) { return absl::ToDoubleMilliseconds(duration); }

double FillMbPerS(const FilledDay& fill) {
  const double seconds = absl::ToDoubleSeconds(fill.elapsed);
  return seconds > 0 ? ToMb(fill.plan.data_bytes()) / seconds : 0;
}

// The value of the median run of `values` (the lower middle for an even
// count: a run that happened).
template <typename F>
double MedianOf(absl::Span<const WorkerRun> runs, F value) {
  std::vector<double> values;
  for (const WorkerRun& run : runs) values.push_back(value(run));
  const int index = bench::MedianIndex(values);
  return index < 0 ? std::numeric_limits<double>::quiet_NaN() : values[index];
}

template <typename F>
absl::Duration LongestOf(absl::Span<const WorkerRun> runs, F value) {
  absl::Duration longest;
  for (const WorkerRun& run : runs) longest = std::max(longest, value(run));
  return longest;
}

std::vector<double> Ratios(absl::Span<const WorkerRun> runs) {
  std::vector<double> ratios;
  for (const WorkerRun& run : runs) ratios.push_back(run.ratio());
  return ratios;
}

// The runs whose enforcement expired the day.
std::vector<WorkerRun> CompleteRuns(absl::Span<const WorkerRun> runs) {
  std::vector<WorkerRun> complete;
  for (const WorkerRun& run : runs) {
    if (run.incomplete.empty()) complete.push_back(run);
  }
  return complete;
}

int IncompleteRuns(absl::Span<const WorkerRun> runs) {
  return static_cast<int>(runs.size() - CompleteRuns(runs).size());
}

// The smallest and the largest size measured (nullptr, nullptr with fewer
// than two distinct sizes).
std::pair<const SizeResult*, const SizeResult*> SmallestAndLargest(
    absl::Span<const SizeResult> results) {
  const SizeResult* smallest = nullptr;
  const SizeResult* largest = nullptr;
  for (const SizeResult& result : results) {
    if (smallest == nullptr || result.size_bytes < smallest->size_bytes) smallest = &result;
    if (largest == nullptr || result.size_bytes > largest->size_bytes) largest = &result;
  }
  if (smallest == largest) return {nullptr, nullptr};
  return {smallest, largest};
}

// "0.012s partitions ahead: 0 created", one per progress line.
std::vector<std::string> StepLines(const EnforcementTiming& timing) {
  std::vector<std::string> lines;
  for (const EnforcementStep& step : timing.steps) {
    lines.push_back(absl::StrFormat("%.3fs %s", absl::ToDoubleSeconds(step.at), step.line));
  }
  return lines;
}

}  // namespace

double WorkerRun::ratio() const {
  if (without.records_per_s <= 0) return std::numeric_limits<double>::quiet_NaN();
  return during.records_per_s / without.records_per_s;
}

std::string FormatSizeLine(const SizeResult& result) {
  const EnforcementReport& report = result.timing.report;
  return absl::StrCat(
      "bench retention: size=", DataSizeLabel(result.size_bytes),
      " enforce_s=", Seconds(result.timing.elapsed), " drop_s=", Seconds(result.timing.drop),
      " sessions_s=", Seconds(result.timing.sessions),
      " partitions_dropped=", report.partitions.size(),
      " bytes_dropped_mb=", FormatSignificant(ToMb(report.bytes_dropped)),
      " sessions_deleted=", report.sessions_deleted, " fill_s=", Seconds(result.fill.elapsed),
      " fill_mb_per_s=", FormatSignificant(FillMbPerS(result.fill)));
}

std::optional<std::string> FormatEnforceRatioLine(absl::Span<const SizeResult> results) {
  const auto [smallest, largest] = SmallestAndLargest(results);
  if (smallest == nullptr) return std::nullopt;
  const double small_s = absl::ToDoubleSeconds(smallest->timing.elapsed);
  const double ratio = small_s > 0 ? absl::ToDoubleSeconds(largest->timing.elapsed) / small_s
                                   : std::numeric_limits<double>::quiet_NaN();
  return absl::StrCat("bench retention: enforce_ratio=", absl::StrFormat("%.2f", ratio), " (",
                      DataSizeLabel(largest->size_bytes), "/", DataSizeLabel(smallest->size_bytes),
                      ") enforce_s ", DataSizeLabel(smallest->size_bytes), "=",
                      Seconds(smallest->timing.elapsed), " ", DataSizeLabel(largest->size_bytes),
                      "=", Seconds(largest->timing.elapsed));
}

std::string FormatWorkerLine(absl::Span<const WorkerRun> runs,
                             const RetentionBenchOptions& options) {
  const bench::RunSpread ratio = bench::SpreadOf(Ratios(runs));
  return absl::StrCat(
      "bench retention: worker expired=", DataSizeLabel(WorkerExpiredBytes(options)),
      " record=", DataSizeLabel(options.record_bytes),
      " records_per_tx=", options.records_per_transaction, " without_records_per_s=",
      FormatSignificant(MedianOf(runs, [](const WorkerRun& r) { return r.without.records_per_s; })),
      " during_records_per_s=",
      FormatSignificant(MedianOf(runs, [](const WorkerRun& r) { return r.during.records_per_s; })),
      " without_mb_per_s=",
      FormatSignificant(MedianOf(runs, [](const WorkerRun& r) { return r.without.mb_per_s; })),
      " during_mb_per_s=",
      FormatSignificant(MedianOf(runs, [](const WorkerRun& r) { return r.during.mb_per_s; })),
      " ratio=", absl::StrFormat("%.2f", ratio.median),
      " ratio_spread=", bench::FormatRatioSpread(ratio), " runs=", runs.size(),
      " longest_call_ms_without=",
      FormatSignificant(
          Ms(LongestOf(runs, [](const WorkerRun& r) { return r.without.longest_call; }))),
      " longest_call_ms_during=",
      FormatSignificant(
          Ms(LongestOf(runs, [](const WorkerRun& r) { return r.during.longest_call; }))),
      " enforce_s=",
      FormatSignificant(MedianOf(
          runs, [](const WorkerRun& r) { return absl::ToDoubleSeconds(r.timing.elapsed); })),
      " while_enforcing_records_per_s=",
      FormatSignificant(
          MedianOf(runs, [](const WorkerRun& r) { return r.while_enforcing.records_per_s; })),
      " window_s=", FormatSignificant(absl::ToDoubleSeconds(options.window)),
      " incomplete_runs=", IncompleteRuns(runs));
}

std::vector<TargetCheck> EvaluateTargets(absl::Span<const SizeResult> sizes,
                                         absl::Span<const WorkerRun> runs,
                                         const RetentionBenchOptions& options) {
  std::vector<TargetCheck> checks;
  const Targets& targets = options.targets;
  const auto [smallest, largest] = SmallestAndLargest(sizes);
  std::vector<int64_t> labels = options.sizes;
  std::sort(labels.begin(), labels.end());
  TargetCheck enforce{
      .name =
          absl::StrCat("enforce@", DataSizeLabel(labels.back()),
                       "<=", absl::StrFormat("%g", targets.max_enforce_growth), "x_",
                       DataSizeLabel(labels.front()), "+",
                       absl::StrFormat("%g", absl::ToDoubleSeconds(targets.enforce_slack)), "s")};
  if (smallest != nullptr) {
    enforce.measured = true;
    enforce.held = largest->timing.elapsed <=
                   targets.max_enforce_growth * smallest->timing.elapsed + targets.enforce_slack;
    enforce.detail = absl::StrCat(
        DataSizeLabel(largest->size_bytes), " ", Seconds(largest->timing.elapsed), " s, ",
        DataSizeLabel(smallest->size_bytes), " ", Seconds(smallest->timing.elapsed), " s");
  }
  checks.push_back(enforce);
  const bench::RunSpread ratio = bench::SpreadOf(Ratios(CompleteRuns(runs)));
  TargetCheck worker = bench::SpreadCheck(
      absl::StrCat("worker_during>=", absl::StrFormat("%g", targets.min_worker_ratio), "x_without"),
      ratio, ratio.median >= targets.min_worker_ratio);
  if (const int incomplete = IncompleteRuns(runs); incomplete > 0) {
    absl::StrAppend(&worker.detail, worker.detail.empty() ? "" : "; ", incomplete, " of ",
                    runs.size(), " runs left out: enforcement did not expire the day");
  }
  checks.push_back(worker);
  TargetCheck expired{.name = "expired_beside_writer"};
  if (!runs.empty()) {
    const int incomplete = IncompleteRuns(runs);
    expired.measured = true;
    expired.held = incomplete == 0;
    expired.detail = absl::StrCat(runs.size() - incomplete, " of ", runs.size(), " runs");
  }
  checks.push_back(expired);
  return checks;
}

RunRecord RunRecordOf(const RetentionBenchOptions& options, absl::Time started_at, int cpus,
                      const std::string& filesystem) {
  RunRecord record;
  record.set_kind("run");
  record.set_started_at(absl::FormatTime(absl::RFC3339_sec, started_at, absl::UTCTimeZone()));
  record.set_quick(options.quick);
  record.set_sizes(DataSizeListLabel(options.sizes));
  record.set_payload_bytes(static_cast<int32_t>(options.payload_bytes));
  record.set_payloads_per_session(options.payloads_per_session);
  record.set_runs(options.runs);
  record.set_worker_expired(DataSizeLabel(WorkerExpiredBytes(options)));
  record.set_record_bytes(static_cast<int32_t>(options.record_bytes));
  record.set_records_per_transaction(options.records_per_transaction);
  record.set_writer_sessions(options.writer_sessions);
  record.set_warmup_s(absl::ToDoubleSeconds(options.warmup));
  record.set_window_s(absl::ToDoubleSeconds(options.window));
  record.set_cpus(cpus);
  record.set_filesystem(filesystem);
  record.set_page_cache(options.warm_page_cache ? "warm" : "cold");
  return record;
}

SizeRecord SizeRecordOf(const SizeResult& result) {
  const EnforcementReport& report = result.timing.report;
  SizeRecord record;
  record.set_kind("size");
  record.set_size(DataSizeLabel(result.size_bytes));
  record.set_data_bytes(static_cast<double>(result.fill.plan.data_bytes()));
  record.set_table_bytes(static_cast<double>(result.fill.table_bytes));
  record.set_sessions(static_cast<int32_t>(result.fill.plan.sessions));
  record.set_rows(static_cast<int32_t>(result.fill.plan.rows()));
  record.set_fill_s(absl::ToDoubleSeconds(result.fill.elapsed));
  record.set_fill_mb_per_s(FillMbPerS(result.fill));
  record.set_enforce_s(absl::ToDoubleSeconds(result.timing.elapsed));
  record.set_ensure_s(SecondsOrMinus1(result.timing.ensure));
  record.set_drop_s(SecondsOrMinus1(result.timing.drop));
  record.set_sessions_s(SecondsOrMinus1(result.timing.sessions));
  record.set_partitions_dropped(static_cast<int32_t>(report.partitions.size()));
  record.set_bytes_dropped(static_cast<double>(report.bytes_dropped));
  record.set_sessions_deleted(static_cast<int32_t>(report.sessions_deleted));
  record.set_rows_deleted(static_cast<int32_t>(report.rows_deleted));
  for (std::string& step : StepLines(result.timing)) record.add_steps(std::move(step));
  return record;
}

WorkerRunRecord WorkerRunRecordOf(int run, const WorkerRun& result) {
  WorkerRunRecord record;
  record.set_kind("worker_run");
  record.set_run(run);
  record.set_expired(DataSizeLabel(result.fill.plan.target_bytes));
  record.set_expired_bytes_dropped(static_cast<double>(result.timing.report.bytes_dropped));
  record.set_expired_sessions_deleted(static_cast<int32_t>(result.timing.report.sessions_deleted));
  record.set_enforce_s(absl::ToDoubleSeconds(result.timing.elapsed));
  record.set_drop_s(SecondsOrMinus1(result.timing.drop));
  record.set_sessions_s(SecondsOrMinus1(result.timing.sessions));
  record.set_without_window_s(absl::ToDoubleSeconds(result.without.length));
  record.set_without_records_per_s(result.without.records_per_s);
  record.set_without_mb_per_s(result.without.mb_per_s);
  record.set_without_calls(static_cast<int32_t>(result.without.calls));
  record.set_without_failed_calls(static_cast<int32_t>(result.without.failed_calls));
  record.set_without_longest_call_ms(Ms(result.without.longest_call));
  record.set_during_window_s(absl::ToDoubleSeconds(result.during.length));
  record.set_during_records_per_s(result.during.records_per_s);
  record.set_during_mb_per_s(result.during.mb_per_s);
  record.set_during_calls(static_cast<int32_t>(result.during.calls));
  record.set_during_failed_calls(static_cast<int32_t>(result.during.failed_calls));
  record.set_during_longest_call_ms(Ms(result.during.longest_call));
  record.set_while_enforcing_records_per_s(result.while_enforcing.records_per_s);
  record.set_while_enforcing_calls(static_cast<int32_t>(result.while_enforcing.calls));
  record.set_ratio(result.ratio());
  const auto stored_mb_per_s = [](const WindowStats& stats) {
    const double seconds = absl::ToDoubleSeconds(stats.length);
    return seconds > 0 ? ToMb(stats.stored_bytes) / seconds : 0;
  };
  record.set_stored_mb_per_s_without(stored_mb_per_s(result.without));
  record.set_stored_mb_per_s_during(stored_mb_per_s(result.during));
  record.set_before_records_per_s(result.before.records_per_s);
  record.set_after_records_per_s(result.after.records_per_s);
  record.set_incomplete(result.incomplete);
  for (std::string& step : StepLines(result.timing)) record.add_steps(std::move(step));
  return record;
}

WorkerRecord WorkerRecordOf(absl::Span<const WorkerRun> runs,
                            const RetentionBenchOptions& options) {
  const bench::RunSpread ratio = bench::SpreadOf(Ratios(runs));
  WorkerRecord record;
  record.set_kind("worker");
  record.set_expired(DataSizeLabel(WorkerExpiredBytes(options)));
  record.set_record_size(DataSizeLabel(options.record_bytes));
  record.set_records_per_transaction(options.records_per_transaction);
  record.set_runs(static_cast<int32_t>(runs.size()));
  record.set_ratio(ratio.median);
  record.set_ratio_spread_min(ratio.min);
  record.set_ratio_spread_max(ratio.max);
  record.set_without_records_per_s(
      MedianOf(runs, [](const WorkerRun& r) { return r.without.records_per_s; }));
  record.set_during_records_per_s(
      MedianOf(runs, [](const WorkerRun& r) { return r.during.records_per_s; }));
  record.set_without_mb_per_s(
      MedianOf(runs, [](const WorkerRun& r) { return r.without.mb_per_s; }));
  record.set_during_mb_per_s(MedianOf(runs, [](const WorkerRun& r) { return r.during.mb_per_s; }));
  record.set_without_longest_call_ms(
      Ms(LongestOf(runs, [](const WorkerRun& r) { return r.without.longest_call; })));
  record.set_during_longest_call_ms(
      Ms(LongestOf(runs, [](const WorkerRun& r) { return r.during.longest_call; })));
  record.set_enforce_s(
      MedianOf(runs, [](const WorkerRun& r) { return absl::ToDoubleSeconds(r.timing.elapsed); }));
  record.set_incomplete_runs(IncompleteRuns(runs));
  return record;
}

}  // namespace ingest::bench_retention
