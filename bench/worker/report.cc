#include "bench/worker/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "bench/common/report.h"
#include "bench/common/size_label.h"

namespace ingest::bench_worker {
namespace {

using ::ingest::bench::FormatSignificant;
using ::ingest::bench::SizeLabel;

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

const PhaseResult* Find(absl::Span<const PhaseResult> results, int64_t size, int partitions) {
  for (const PhaseResult& result : results) {
    if (result.phase.size_bytes == size && result.phase.partitions == partitions) return &result;
  }
  return nullptr;
}

std::string TwoDecimals(double value) { return absl::StrFormat("%.2f", value); }

// Each pair's a over b, in order; a pair whose b measured nothing is left out.
std::vector<double> PairRatios(absl::Span<const WorkerThroughput> a, absl::Span<const double> b) {
  std::vector<double> ratios;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    if (b[i] > 0) ratios.push_back(a[i].msgs_per_s / b[i]);
  }
  return ratios;
}

std::vector<double> CopyRates(const PhaseResult& result) {
  std::vector<double> rates;
  for (const CopyThroughput& run : result.copy_runs) rates.push_back(run.msgs_per_s);
  return rates;
}

}  // namespace

double Rate(int64_t records, absl::Duration window) {
  if (window <= absl::ZeroDuration()) return 0;
  return static_cast<double>(records) / absl::ToDoubleSeconds(window);
}

bench::PhaseProgress CountProgress(std::string title, const std::atomic<int64_t>& done,
                                   int64_t total, absl::string_view unit) {
  struct Last {
    absl::Time at = absl::Now();
    int64_t done = 0;
  };
  auto last = std::make_shared<Last>();  // the progress thread's only
  return bench::PhaseProgress(
      stderr, std::move(title),
      [&done, total] {
        return total > 0 ? static_cast<double>(done.load()) / static_cast<double>(total) : 1.0;
      },
      [&done, total, unit = std::string(unit), last] {
        const absl::Time now = absl::Now();
        const int64_t value = done.load();
        const double rate = Rate(value - last->done, now - last->at);
        *last = {now, value};
        return absl::StrCat(value, "/", total, " ", unit, "  ", FormatSignificant(rate), " msg/s");
      });
}

double CpuSecondsPerGib(const WorkerThroughput& worker) {
  if (worker.worker_cpu_s < 0 || worker.persisted_bytes <= 0) return -1;
  return worker.worker_cpu_s / (static_cast<double>(worker.persisted_bytes) / kGiB);
}

const WorkerThroughput& MedianWorkerRun(const PhaseResult& result) {
  std::vector<double> rates;
  for (const WorkerThroughput& run : result.worker_runs) rates.push_back(run.msgs_per_s);
  return result.worker_runs[static_cast<size_t>(bench::MedianIndex(rates))];
}

const CopyThroughput* MedianCopyRun(const PhaseResult& result) {
  if (result.copy_runs.empty()) return nullptr;
  return &result.copy_runs[static_cast<size_t>(bench::MedianIndex(CopyRates(result)))];
}

std::vector<double> CopyRatioRuns(const PhaseResult& result) {
  return PairRatios(result.worker_runs, CopyRates(result));
}

bench::RunSpread CpuSpread(const PhaseResult& result) {
  std::vector<double> values;
  for (const WorkerThroughput& run : result.worker_runs) {
    if (const double value = CpuSecondsPerGib(run); value >= 0) values.push_back(value);
  }
  return bench::SpreadOf(values);
}

std::optional<bench::RunSpread> PartitionsSpread(absl::Span<const PhaseResult> results,
                                                 const WorkerBenchOptions& options) {
  if (options.many_partitions <= 0) return std::nullopt;
  const PhaseResult* base = Find(results, options.partitions_size_bytes, options.base_partitions);
  const PhaseResult* many = Find(results, options.partitions_size_bytes, options.many_partitions);
  if (base == nullptr || many == nullptr) return std::nullopt;
  const double base_median = MedianWorkerRun(*base).msgs_per_s;
  if (base_median <= 0) return std::nullopt;
  std::vector<double> ratios = PairRatios(many->worker_runs, many->base_runs_msgs_per_s);
  if (ratios.empty()) ratios.push_back(MedianWorkerRun(*many).msgs_per_s / base_median);
  return bench::SpreadOf(ratios);
}

std::string FormatSizeLine(const PhaseResult& result) {
  const CopyThroughput* copy = MedianCopyRun(result);
  const bench::RunSpread ratio = bench::SpreadOf(CopyRatioRuns(result));
  const bench::RunSpread cpu = CpuSpread(result);
  return absl::StrCat(
      "bench worker: size=", SizeLabel(result.phase.size_bytes),
      " worker_msgs_per_s=", FormatSignificant(MedianWorkerRun(result).msgs_per_s),
      " raw_copy_msgs_per_s=", copy != nullptr ? FormatSignificant(copy->msgs_per_s) : "-",
      " ratio=", copy != nullptr ? TwoDecimals(ratio.median) : "-",
      " partitions=", result.phase.partitions,
      " ratio_spread=", ratio.runs > 0 ? bench::FormatRatioSpread(ratio) : "-",
      " runs=", result.worker_runs.size(),
      " worker_cpu_s_per_gib=", cpu.runs > 0 ? FormatSignificant(cpu.median) : "-");
}

std::string FormatPartitionsLine(int many_partitions, int base_partitions,
                                 const bench::RunSpread& ratio) {
  return absl::StrCat("bench worker: partitions=", many_partitions, " ratio_vs_", base_partitions,
                      "=", TwoDecimals(ratio.median),
                      " ratio_spread=", bench::FormatRatioSpread(ratio), " runs=", ratio.runs);
}

std::vector<TargetCheck> EvaluateTargets(absl::Span<const PhaseResult> results,
                                         const WorkerBenchOptions& options) {
  const Targets& targets = options.targets;
  std::vector<TargetCheck> checks;
  for (const bench::RatioTarget& target : targets.ratios) {
    const PhaseResult* result = Find(results, target.size_bytes, options.base_partitions);
    checks.push_back(bench::RatioCheck(
        target, result != nullptr ? bench::SpreadOf(CopyRatioRuns(*result)) : bench::RunSpread{}));
  }
  const bench::RunSpread partitions =
      PartitionsSpread(results, options).value_or(bench::RunSpread{});
  checks.push_back(bench::SpreadCheck(
      absl::StrCat("partitions", options.many_partitions, ">=", targets.min_partitions_ratio, "x_",
                   options.base_partitions),
      partitions, partitions.median >= targets.min_partitions_ratio));
  const PhaseResult* result = Find(results, targets.cpu_size_bytes, options.base_partitions);
  const bench::RunSpread cpu = result != nullptr ? CpuSpread(*result) : bench::RunSpread{};
  checks.push_back(
      bench::SpreadCheck(absl::StrCat("worker_cpu_s_per_gib@", SizeLabel(targets.cpu_size_bytes),
                                      "<=", targets.max_cpu_s_per_gib),
                         cpu, cpu.median <= targets.max_cpu_s_per_gib,
                         [](double value) { return FormatSignificant(value); }));
  return checks;
}

std::string PlanText(const WorkerBenchOptions& options) {
  std::vector<std::string> plan;
  for (const Phase& phase : PlanPhases(options)) {
    plan.push_back(absl::StrCat(SizeLabel(phase.size_bytes), "x",
                                RecordsFor(options, phase.size_bytes), "@", phase.partitions, "p",
                                phase.raw_copy ? "+copy" : ""));
  }
  return absl::StrJoin(plan, " ");
}

RunRecord RunRecordOf(const WorkerBenchOptions& options, absl::Time started_at) {
  RunRecord record;
  record.set_kind("run");
  record.set_started_at(absl::FormatTime(absl::RFC3339_sec, started_at, absl::UTCTimeZone()));
  record.set_quick(options.quick);
  record.set_phases(PlanText(options));
  record.set_sessions(options.sessions);
  record.set_copy_batch_records(options.copy_batch_records);
  record.set_copy_batch_bytes(options.copy_batch_bytes);
  record.set_cpus(static_cast<int32_t>(std::thread::hardware_concurrency()));
  record.set_worker(absl::StrJoin(options.worker_command, " "));
  return record;
}

PhaseRecord PhaseRecordOf(const PhaseResult& result) {
  const WorkerThroughput& worker = MedianWorkerRun(result);
  PhaseRecord record;
  record.set_kind("phase");
  record.set_size(SizeLabel(result.phase.size_bytes));
  record.set_size_bytes(result.phase.size_bytes);
  record.set_partitions(result.phase.partitions);
  record.set_topic(result.topic);
  record.set_record_bytes(result.record_bytes);
  record.set_records(worker.records);
  record.set_worker_msgs_per_s(worker.msgs_per_s);
  record.set_worker_first_seen(worker.first_seen);
  record.set_worker_window_s(absl::ToDoubleSeconds(worker.window));
  record.set_worker_startup_s(absl::ToDoubleSeconds(worker.startup));
  record.set_worker_includes_startup(worker.includes_startup);
  record.set_worker_cpu_worker_cores(worker.worker_cpu_cores);
  record.set_worker_cpu_kafka_cores(worker.kafka_cpu_cores);
  record.set_content_bytes(result.content_bytes);
  record.set_worker_cpu_s(worker.worker_cpu_s);
  record.set_worker_persisted_bytes(worker.persisted_bytes);
  record.set_worker_cpu_from_start(worker.cpu_from_start);
  if (const bench::RunSpread cpu = CpuSpread(result); cpu.runs > 0) {
    record.set_worker_cpu_s_per_gib(cpu.median);
  }
  record.set_runs(static_cast<int32_t>(result.worker_runs.size()));
  for (const WorkerThroughput& run : result.worker_runs) {
    record.add_worker_runs_msgs_per_s(run.msgs_per_s);
    const double cpu = CpuSecondsPerGib(run);
    record.add_worker_cpu_s_per_gib_runs(cpu >= 0 ? cpu : std::nan(""));
  }
  for (const double rate : result.base_runs_msgs_per_s) record.add_base_runs_msgs_per_s(rate);

  const CopyThroughput* copy = MedianCopyRun(result);
  if (copy == nullptr) return record;
  const std::vector<double> ratios = CopyRatioRuns(result);
  const bench::RunSpread ratio = bench::SpreadOf(ratios);
  record.set_ratio(ratio.median);
  record.set_ratio_spread_min(ratio.min);
  record.set_ratio_spread_max(ratio.max);
  for (const double value : ratios) record.add_ratio_runs(value);
  for (const double rate : CopyRates(result)) record.add_raw_copy_runs_msgs_per_s(rate);
  record.set_raw_copy_msgs_per_s(copy->msgs_per_s);
  record.set_raw_copy_rows(copy->rows);
  record.set_raw_copy_batch_rows(copy->batch_rows);
  record.set_raw_copy_batches(copy->batches);
  record.set_raw_copy_data_bytes(copy->data_bytes);
  record.set_raw_copy_storage(copy->storage);
  record.set_raw_copy_elapsed_s(absl::ToDoubleSeconds(copy->elapsed));
  return record;
}

PartitionsRecord PartitionsRecordOf(const WorkerBenchOptions& options,
                                    const bench::RunSpread& ratio) {
  PartitionsRecord record;
  record.set_kind("partitions");
  record.set_partitions(options.many_partitions);
  record.set_base_partitions(options.base_partitions);
  record.set_size(SizeLabel(options.partitions_size_bytes));
  record.set_ratio_vs_base(ratio.median);
  record.set_ratio_spread_min(ratio.min);
  record.set_ratio_spread_max(ratio.max);
  record.set_runs(ratio.runs);
  return record;
}

}  // namespace ingest::bench_worker
