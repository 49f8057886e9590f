#include "bench/worker/options.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace ingest::bench_worker {

void ApplyQuick(WorkerBenchOptions& options) {
  options.quick = true;
  options.runs = 1;
  options.phase_bytes = int64_t{16} << 20;
  options.min_records = 40;
  options.max_records = 400;
  options.sessions = 256;
  options.pool_bytes = int64_t{4} << 20;
  options.first_row_timeout = absl::Seconds(30);
  options.stall_timeout = absl::Seconds(20);
  options.produce_timeout = absl::Seconds(30);
}

absl::Status ValidateOptions(const WorkerBenchOptions& options) {
  if (options.kafka_bootstrap.empty()) {
    return absl::InvalidArgumentError("--kafka_bootstrap is required");
  }
  if (options.pg_dsn.empty()) return absl::InvalidArgumentError("--pg_dsn is required");
  if (options.worker_command.empty()) {
    return absl::InvalidArgumentError(
        "the worker's command line is required after `--` (e.g. -- bazel-bin/services/worker/"
        "worker --pg_dsn=...)");
  }
  if (options.sizes.empty()) return absl::InvalidArgumentError("--sizes needs at least one size");
  for (const int64_t size : options.sizes) {
    if (size < 1024 || size > (int64_t{8} << 20)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--sizes: ", size, " bytes is outside [1KB, 8MB]"));
    }
  }
  if (options.base_partitions < 1 || options.many_partitions < 0) {
    return absl::InvalidArgumentError("--partitions must be >= 1, --many_partitions >= 0");
  }
  if (options.many_partitions > 0 &&
      (options.partitions_size_bytes < 1024 || options.partitions_size_bytes > (int64_t{8} << 20))) {
    return absl::InvalidArgumentError("--partitions_size must be in [1KB, 8MB]");
  }
  if (options.phase_bytes < 1 || options.min_records < 1 ||
      options.max_records < options.min_records) {
    return absl::InvalidArgumentError(
        "--phase_bytes and --min_records must be positive, --max_records >= --min_records");
  }
  if (options.runs < 1) return absl::InvalidArgumentError("--runs must be at least 1");
  if (options.sessions < 1) return absl::InvalidArgumentError("--sessions must be positive");
  if (options.pool_bytes < 1) return absl::InvalidArgumentError("--pool_bytes must be positive");
  if (options.copy_batch_records < 1 || options.copy_batch_bytes < 1) {
    return absl::InvalidArgumentError("--copy_batch_records and --copy_batch_bytes must be positive");
  }
  for (const absl::Duration d :
       {options.poll_interval, options.first_row_timeout, options.stall_timeout,
        options.produce_timeout, options.worker_stop_timeout}) {
    if (d <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError("intervals and timeouts must be positive");
    }
  }
  if (options.kafka_pid < 0) return absl::InvalidArgumentError("--kafka_pid must be >= 0");
  return absl::OkStatus();
}

std::vector<Phase> PlanPhases(const WorkerBenchOptions& options) {
  std::vector<Phase> phases;
  for (const int64_t size : options.sizes) {
    phases.push_back({.size_bytes = size, .partitions = options.base_partitions, .raw_copy = true});
  }
  if (options.many_partitions > 0) {
    const bool measured = std::find(options.sizes.begin(), options.sizes.end(),
                                    options.partitions_size_bytes) != options.sizes.end();
    if (!measured) {
      phases.push_back({.size_bytes = options.partitions_size_bytes,
                        .partitions = options.base_partitions,
                        .raw_copy = false});
    }
    phases.push_back({.size_bytes = options.partitions_size_bytes,
                      .partitions = options.many_partitions,
                      .raw_copy = false});
  }
  return phases;
}

int64_t RecordsFor(const WorkerBenchOptions& options, int64_t size_bytes) {
  return std::clamp<int64_t>(options.phase_bytes / std::max<int64_t>(size_bytes, 1),
                             options.min_records, options.max_records);
}

int CopyBatchRows(const WorkerBenchOptions& options, int64_t record_bytes) {
  const int64_t by_bytes = options.copy_batch_bytes / std::max<int64_t>(record_bytes, 1);
  return static_cast<int>(
      std::max<int64_t>(1, std::min<int64_t>(options.copy_batch_records, by_bytes)));
}

int64_t DiskBytesNeeded(const WorkerBenchOptions& options) {
  int64_t kafka = 0;
  int64_t largest = 0;
  for (const Phase& phase : PlanPhases(options)) {
    const int64_t bytes = RecordsFor(options, phase.size_bytes) * phase.size_bytes;
    kafka += bytes;
    largest = std::max(largest, bytes);
  }
  return kafka + 2 * largest;
}

}  // namespace ingest::bench_worker
