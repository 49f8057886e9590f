#include "bench/worker/report.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "bench/common/json_line.h"
#include "bench/common/report.h"
#include "bench/common/size_label.h"

namespace ingest::bench_worker {
namespace {

using ::ingest::bench::FormatSignificant;
using ::ingest::bench::JsonLine;
using ::ingest::bench::SizeLabel;

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

const PhaseResult* Find(absl::Span<const PhaseResult> results, int64_t size, int partitions) {
  for (const PhaseResult& result : results) {
    if (result.phase.size_bytes == size && result.phase.partitions == partitions) return &result;
  }
  return nullptr;
}

std::string Format(double value, absl::string_view how) {
  return how == "sig" ? FormatSignificant(value) : absl::StrFormat("%.2f", value);
}

// "0.85" for one run, "0.85, runs 0.80-0.88" for several.
std::string SpreadDetail(const bench::RunSpread& spread, absl::string_view how) {
  if (spread.runs <= 1) return Format(spread.median, how);
  return absl::StrCat(Format(spread.median, how), ", runs ", Format(spread.min, how), "-",
                      Format(spread.max, how));
}

}  // namespace

double Rate(int64_t records, absl::Duration window) {
  if (window <= absl::ZeroDuration()) return 0;
  return static_cast<double>(records) / absl::ToDoubleSeconds(window);
}

double CpuSecondsPerGib(const WorkerThroughput& worker) {
  if (worker.worker_cpu_s < 0 || worker.persisted_bytes <= 0) return -1;
  return worker.worker_cpu_s / (static_cast<double>(worker.persisted_bytes) / kGiB);
}

std::vector<double> CopyRatioRuns(const PhaseResult& result) {
  std::vector<double> ratios;
  if (result.copy_runs_msgs_per_s.empty() || result.worker_runs.empty()) {
    if (result.copy.has_value() && result.copy->msgs_per_s > 0) {
      ratios.push_back(result.worker.msgs_per_s / result.copy->msgs_per_s);
    }
    return ratios;
  }
  const size_t pairs = std::min(result.worker_runs.size(), result.copy_runs_msgs_per_s.size());
  for (size_t i = 0; i < pairs; ++i) {
    if (result.copy_runs_msgs_per_s[i] > 0) {
      ratios.push_back(result.worker_runs[i].msgs_per_s / result.copy_runs_msgs_per_s[i]);
    }
  }
  return ratios;
}

double CopyRatio(const PhaseResult& result) {
  return bench::SpreadOf(CopyRatioRuns(result)).median;
}

bench::RunSpread CpuSpread(const PhaseResult& result) {
  std::vector<double> values;
  for (const WorkerThroughput& run : result.worker_runs) {
    if (const double value = CpuSecondsPerGib(run); value >= 0) values.push_back(value);
  }
  if (result.worker_runs.empty() && CpuSecondsPerGib(result.worker) >= 0) {
    values.push_back(CpuSecondsPerGib(result.worker));
  }
  return bench::SpreadOf(values);
}

std::optional<bench::RunSpread> PartitionsSpread(absl::Span<const PhaseResult> results,
                                                 const WorkerBenchOptions& options) {
  if (options.many_partitions <= 0) return std::nullopt;
  const PhaseResult* base =
      Find(results, options.partitions_size_bytes, options.base_partitions);
  const PhaseResult* many =
      Find(results, options.partitions_size_bytes, options.many_partitions);
  if (base == nullptr || many == nullptr || base->worker.msgs_per_s <= 0) return std::nullopt;
  std::vector<double> ratios;
  const size_t pairs = std::min(many->worker_runs.size(), many->base_runs_msgs_per_s.size());
  for (size_t i = 0; i < pairs; ++i) {
    if (many->base_runs_msgs_per_s[i] > 0) {
      ratios.push_back(many->worker_runs[i].msgs_per_s / many->base_runs_msgs_per_s[i]);
    }
  }
  if (ratios.empty()) ratios.push_back(many->worker.msgs_per_s / base->worker.msgs_per_s);
  return bench::SpreadOf(ratios);
}

std::optional<double> PartitionsRatio(absl::Span<const PhaseResult> results,
                                      const WorkerBenchOptions& options) {
  const std::optional<bench::RunSpread> spread = PartitionsSpread(results, options);
  if (!spread.has_value()) return std::nullopt;
  return spread->median;
}

std::string FormatSizeLine(const PhaseResult& result) {
  const bench::RunSpread ratio = bench::SpreadOf(CopyRatioRuns(result));
  const bench::RunSpread cpu = CpuSpread(result);
  return absl::StrCat(
      "bench worker: size=", SizeLabel(result.phase.size_bytes),
      " worker_msgs_per_s=", FormatSignificant(result.worker.msgs_per_s),
      " raw_copy_msgs_per_s=",
      result.copy.has_value() ? FormatSignificant(result.copy->msgs_per_s) : "-",
      " ratio=", result.copy.has_value() ? absl::StrFormat("%.2f", CopyRatio(result)) : "-",
      " partitions=", result.phase.partitions,
      " ratio_spread=", ratio.runs > 0 ? bench::FormatRatioSpread(ratio) : "-",
      " runs=", std::max<int64_t>(1, static_cast<int64_t>(result.worker_runs.size())),
      " worker_cpu_s_per_gib=", cpu.runs > 0 ? FormatSignificant(cpu.median) : "-");
}

std::string FormatPartitionsLine(int many_partitions, int base_partitions,
                                 const bench::RunSpread& ratio) {
  return absl::StrCat("bench worker: partitions=", many_partitions, " ratio_vs_",
                      base_partitions, "=", absl::StrFormat("%.2f", ratio.median),
                      " ratio_spread=", bench::FormatRatioSpread(ratio), " runs=", ratio.runs);
}

std::vector<TargetCheck> EvaluateTargets(absl::Span<const PhaseResult> results,
                                         const WorkerBenchOptions& options) {
  const Targets& targets = options.targets;
  std::vector<TargetCheck> checks;

  for (const RatioTarget& target : targets.ratios) {
    TargetCheck ratio{.name = absl::StrCat("ratio@", SizeLabel(target.size_bytes), ">=",
                                           target.min_ratio)};
    if (const PhaseResult* result = Find(results, target.size_bytes, options.base_partitions);
        result != nullptr) {
      const bench::RunSpread spread = bench::SpreadOf(CopyRatioRuns(*result));
      if (spread.runs > 0) {
        ratio.measured = true;
        ratio.held = spread.median >= target.min_ratio;
        ratio.detail = SpreadDetail(spread, "%.2f");
      }
    }
    checks.push_back(ratio);
  }

  TargetCheck partitions{.name = absl::StrCat("partitions", options.many_partitions, ">=",
                                              targets.min_partitions_ratio, "x_",
                                              options.base_partitions)};
  if (const std::optional<bench::RunSpread> spread = PartitionsSpread(results, options);
      spread.has_value()) {
    partitions.measured = true;
    partitions.held = spread->median >= targets.min_partitions_ratio;
    partitions.detail = SpreadDetail(*spread, "%.2f");
  }
  checks.push_back(partitions);

  TargetCheck cpu{.name = absl::StrCat("worker_cpu_s_per_gib@", SizeLabel(targets.cpu_size_bytes),
                                       "<=", targets.max_cpu_s_per_gib)};
  if (const PhaseResult* result =
          Find(results, targets.cpu_size_bytes, options.base_partitions);
      result != nullptr) {
    const bench::RunSpread spread = CpuSpread(*result);
    if (spread.runs > 0) {
      cpu.measured = true;
      cpu.held = spread.median <= targets.max_cpu_s_per_gib;
      cpu.detail = SpreadDetail(spread, "sig");
    }
  }
  checks.push_back(cpu);
  return checks;
}

std::string FormatWorkerTargetsLine(absl::Span<const TargetCheck> checks) {
  return absl::StrCat("bench worker: targets ", bench::FormatTargetChecks(checks));
}

std::string PhaseResultJson(const PhaseResult& result) {
  JsonLine line;
  line.Add("kind", "phase")
      .Add("size", SizeLabel(result.phase.size_bytes))
      .Add("size_bytes", result.phase.size_bytes)
      .Add("partitions", result.phase.partitions)
      .Add("topic", result.topic)
      .Add("record_bytes", result.record_bytes)
      .Add("records", result.worker.records)
      .Add("worker_msgs_per_s", result.worker.msgs_per_s)
      .Add("worker_first_seen", result.worker.first_seen)
      .Add("worker_window_s", absl::ToDoubleSeconds(result.worker.window))
      .Add("worker_startup_s", absl::ToDoubleSeconds(result.worker.startup))
      .Add("worker_includes_startup", result.worker.includes_startup)
      .Add("worker_cpu_worker_cores", result.worker.worker_cpu_cores)
      .Add("worker_cpu_kafka_cores", result.worker.kafka_cpu_cores)
      .Add("content_bytes", result.content_bytes)
      .Add("worker_cpu_s", result.worker.worker_cpu_s)
      .Add("worker_persisted_bytes", result.worker.persisted_bytes)
      .Add("worker_cpu_from_start", result.worker.cpu_from_start);
  const bench::RunSpread cpu = CpuSpread(result);
  line.Add("worker_cpu_s_per_gib", cpu.runs > 0 ? cpu.median : std::nan(""));
  std::vector<double> worker_runs;
  std::vector<double> cpu_runs;
  for (const WorkerThroughput& run : result.worker_runs) {
    worker_runs.push_back(run.msgs_per_s);
    const double value = CpuSecondsPerGib(run);
    cpu_runs.push_back(value >= 0 ? value : std::nan(""));
  }
  line.Add("runs", static_cast<int64_t>(std::max<size_t>(1, result.worker_runs.size())))
      .AddNumbers("worker_runs_msgs_per_s", worker_runs)
      .AddNumbers("worker_cpu_s_per_gib_runs", cpu_runs);
  if (!result.base_runs_msgs_per_s.empty()) {
    line.AddNumbers("base_runs_msgs_per_s", result.base_runs_msgs_per_s);
  }
  if (result.copy.has_value()) {
    const bench::RunSpread ratio = bench::SpreadOf(CopyRatioRuns(result));
    line.Add("ratio", CopyRatio(result))
        .Add("ratio_spread_min", ratio.min)
        .Add("ratio_spread_max", ratio.max)
        .AddNumbers("ratio_runs", CopyRatioRuns(result))
        .AddNumbers("raw_copy_runs_msgs_per_s", result.copy_runs_msgs_per_s)
        .Add("raw_copy_msgs_per_s", result.copy->msgs_per_s)
        .Add("raw_copy_rows", result.copy->rows)
        .Add("raw_copy_batch_rows", result.copy->batch_rows)
        .Add("raw_copy_batches", result.copy->batches)
        .Add("raw_copy_data_bytes", result.copy->data_bytes)
        .Add("raw_copy_storage", result.copy->storage)
        .Add("raw_copy_elapsed_s", absl::ToDoubleSeconds(result.copy->elapsed));
  }
  return line.Build();
}

std::string PartitionsJson(int many_partitions, int base_partitions, int64_t size_bytes,
                           const bench::RunSpread& ratio) {
  return JsonLine()
      .Add("kind", "partitions")
      .Add("partitions", many_partitions)
      .Add("base_partitions", base_partitions)
      .Add("size", SizeLabel(size_bytes))
      .Add("ratio_vs_base", ratio.median)
      .Add("ratio_spread_min", ratio.min)
      .Add("ratio_spread_max", ratio.max)
      .Add("runs", ratio.runs)
      .Build();
}

}  // namespace ingest::bench_worker
