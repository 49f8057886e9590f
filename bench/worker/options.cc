#include "bench/worker/options.h"

#include <algorithm>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "bench/common/size_label.h"
#include "services/common/flags/cli.h"

namespace ingest::bench_worker {

void AddWorkerBenchFlags(CLI::App& app, WorkerBenchOptions& options) {
  app.description(
      "Worker benchmark: records per second the worker persists from a pre-filled topic, the "
      "raw PostgreSQL COPY rate of the same rows, their ratio, and few vs many partitions. "
      "Normally run by `./dev bench worker`; by hand:\n"
      "  worker_bench --kafka_bootstrap=HOST:PORT --pg_dsn=DSN [flags] -- WORKER_BINARY "
      "[WORKER_FLAGS...]");
  app.footer(
      "Each phase appends --topic and --group_id to the worker's command.\n"
      "Exit status: 0 measured (targets are reported, not asserted), 1 error, 2 usage.");
  app.add_option("worker", options.worker_command,
                 "After `--`: the worker's binary and its fixed flags.");
  app.option_defaults()->always_capture_default();  // --help shows every flag's default
  app.add_option("--kafka_bootstrap", options.kafka_bootstrap,
                 "Kafka bootstrap servers (the benchmark's). Required.");
  app.add_option("--pg_dsn", options.pg_dsn,
                 "PostgreSQL the worker writes to (libpq DSN). Required.");
  app.add_option("--project", options.project_id, "project_id of the records.");
  app.add_option("--worker_log", options.worker_log,
                 "Append the worker's stdout and stderr to this file.");
  app.add_option("--worker_pidfile", options.worker_pidfile,
                 "While the worker runs, its pid and binary path are written here (./dev's "
                 "pid-file format), so ./dev can stop it if this program dies.");
  app.add_option("--kafka_pid", options.kafka_pid,
                 "Pid of the broker, for its CPU use; 0 = not measured.");
  app.add_option("--disk_check_dir", options.disk_check_dir,
                 "Check first that this directory's file system has room for the run; empty = "
                 "no check.");
  cli::AddParsed<std::vector<int64_t>>(app, "--sizes", options.sizes, bench::ParseSizeList, "SIZES",
                                       bench::SizeListLabel(options.sizes),
                                       "Record sizes (serialized PayloadContent).");
  app.add_option("--partitions", options.base_partitions, "Partitions of each size's topic.");
  app.add_option("--many_partitions", options.many_partitions,
                 "Partitions of the last phase (at --partitions_size), compared with "
                 "--partitions; 0 skips it.");
  bench::AddSizeFlag(app, "--partitions_size", options.partitions_size_bytes,
                     "Record size of the partition comparison.");
  bench::AddSizeFlag(app, "--phase_bytes", options.phase_bytes,
                     "Bytes of records per phase (records = this / size, within [min_records, "
                     "max_records]).");
  app.add_option("--min_records", options.min_records, "Fewest records per phase.");
  app.add_option("--max_records", options.max_records, "Most records per phase.");
  app.add_option("--sessions", options.sessions, "Distinct sessions (record keys) per phase.");
  bench::AddSizeFlag(app, "--pool_bytes", options.pool_bytes,
                     "Distinct message bodies per size, in bytes.");
  CLI::Option* runs =
      app.add_option("--runs", options.runs,
                     "Measurements per phase, interleaved (worker, raw COPY, ...; at many "
                     "partitions: many, base, ...); each ratio is the median of the per-pair "
                     "ratios, printed with its spread. --quick: 1 unless given.");
  app.add_option("--copy_batch_records", options.copy_batch_records,
                 "Raw COPY rows per transaction, at most (the worker's "
                 "--transaction_max_records).");
  bench::AddSizeFlag(app, "--copy_batch_bytes", options.copy_batch_bytes,
                     "Raw COPY record bytes per transaction, at most (the worker's "
                     "--transaction_max_bytes).");
  cli::AddDuration(app, "--poll_interval", options.poll_interval,
                   "How often the worker's progress (consumer_offsets) is read.");
  cli::AddDuration(app, "--first_row_timeout", options.first_row_timeout,
                   "Fail a phase when the worker has persisted nothing this long after it "
                   "started.");
  cli::AddDuration(app, "--stall_timeout", options.stall_timeout,
                   "Fail a phase when the worker makes no progress for this long.");
  app.add_option("--results_jsonl", options.results_jsonl,
                 "Append the results as JSON lines to this file (e.g. "
                 "bench/results/RUN/worker.jsonl).");
  app.add_flag("--quick", options.quick,
               "Seconds instead of minutes: a few hundred records per phase. Keeps the harness "
               "alive; the numbers mean little. Overrides --phase_bytes, --min_records, "
               "--max_records, --sessions, --pool_bytes and the timeouts.");
  // Runs once the command line is parsed; a ValidationError is how a CLI11
  // callback refuses it (cli::Parse exits 2).
  app.callback([&options, runs] {
    if (options.quick) {
      const int given_runs = options.runs;
      ApplyQuick(options);
      if (runs->count() > 0) options.runs = given_runs;
    }
    if (absl::Status status = ValidateOptions(options); !status.ok()) {
      throw CLI::ValidationError(std::string(status.message()));
    }
  });
}

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
  if (options.many_partitions > 0 && (options.partitions_size_bytes < 1024 ||
                                      options.partitions_size_bytes > (int64_t{8} << 20))) {
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
    return absl::InvalidArgumentError(
        "--copy_batch_records and --copy_batch_bytes must be positive");
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
