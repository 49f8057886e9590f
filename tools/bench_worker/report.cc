#include "tools/bench_worker/report.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "tools/bench/json_line.h"
#include "tools/bench/report.h"
#include "tools/bench/size_label.h"

namespace ingest::bench_worker {
namespace {

using ::ingest::bench::FormatSignificant;
using ::ingest::bench::JsonLine;
using ::ingest::bench::SizeLabel;

const PhaseResult* Find(absl::Span<const PhaseResult> results, int64_t size, int partitions) {
  for (const PhaseResult& result : results) {
    if (result.phase.size_bytes == size && result.phase.partitions == partitions) return &result;
  }
  return nullptr;
}

}  // namespace

double Rate(int64_t records, absl::Duration window) {
  if (window <= absl::ZeroDuration()) return 0;
  return static_cast<double>(records) / absl::ToDoubleSeconds(window);
}

double CopyRatio(const PhaseResult& result) {
  if (!result.copy.has_value() || result.copy->msgs_per_s <= 0) return 0;
  return result.worker.msgs_per_s / result.copy->msgs_per_s;
}

std::optional<double> PartitionsRatio(absl::Span<const PhaseResult> results,
                                      const WorkerBenchOptions& options) {
  if (options.many_partitions <= 0) return std::nullopt;
  const PhaseResult* base =
      Find(results, options.partitions_size_bytes, options.base_partitions);
  const PhaseResult* many =
      Find(results, options.partitions_size_bytes, options.many_partitions);
  if (base == nullptr || many == nullptr || base->worker.msgs_per_s <= 0) return std::nullopt;
  return many->worker.msgs_per_s / base->worker.msgs_per_s;
}

std::string FormatSizeLine(const PhaseResult& result) {
  return absl::StrCat(
      "bench worker: size=", SizeLabel(result.phase.size_bytes),
      " worker_msgs_per_s=", FormatSignificant(result.worker.msgs_per_s),
      " raw_copy_msgs_per_s=",
      result.copy.has_value() ? FormatSignificant(result.copy->msgs_per_s) : "-",
      " ratio=", result.copy.has_value() ? absl::StrFormat("%.2f", CopyRatio(result)) : "-",
      " partitions=", result.phase.partitions);
}

std::string FormatPartitionsLine(int many_partitions, int base_partitions, double ratio) {
  return absl::StrCat("bench worker: partitions=", many_partitions, " ratio_vs_",
                      base_partitions, "=", absl::StrFormat("%.2f", ratio));
}

std::vector<TargetCheck> EvaluateTargets(absl::Span<const PhaseResult> results,
                                         const WorkerBenchOptions& options) {
  const Targets& targets = options.targets;
  std::vector<TargetCheck> checks;

  TargetCheck ratio{.name = absl::StrCat("ratio@", SizeLabel(targets.ratio_size_bytes),
                                         ">=", targets.min_ratio)};
  if (const PhaseResult* result =
          Find(results, targets.ratio_size_bytes, options.base_partitions);
      result != nullptr && result->copy.has_value() && result->copy->msgs_per_s > 0) {
    ratio.measured = true;
    ratio.held = CopyRatio(*result) >= targets.min_ratio;
    ratio.detail = absl::StrFormat("%.2f", CopyRatio(*result));
  }
  checks.push_back(ratio);

  TargetCheck partitions{.name = absl::StrCat("partitions", options.many_partitions, ">=",
                                              targets.min_partitions_ratio, "x_",
                                              options.base_partitions)};
  if (const std::optional<double> value = PartitionsRatio(results, options); value.has_value()) {
    partitions.measured = true;
    partitions.held = *value >= targets.min_partitions_ratio;
    partitions.detail = absl::StrFormat("%.2f", *value);
  }
  checks.push_back(partitions);
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
      .Add("worker_cpu_kafka_cores", result.worker.kafka_cpu_cores);
  if (result.copy.has_value()) {
    line.Add("ratio", CopyRatio(result))
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

}  // namespace ingest::bench_worker
