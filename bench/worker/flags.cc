#include "bench/worker/flags.h"

#include <string>
#include <tuple>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/common/flags/usage.h"
#include "services/common/status/status_macros.h"
#include "bench/common/size_label.h"

ABSL_FLAG(std::string, kafka_bootstrap, "", "Kafka bootstrap servers (the benchmark's). Required.");
ABSL_FLAG(std::string, pg_dsn, "", "PostgreSQL the worker writes to (libpq DSN). Required.");
ABSL_FLAG(std::string, project, "demo-project", "project_id of the records.");
ABSL_FLAG(std::string, worker_log, "", "Append the worker's stdout and stderr to this file.");
ABSL_FLAG(std::string, worker_pidfile, "",
          "While the worker runs, its pid and binary path are written here (./dev's pid-file "
          "format), so ./dev can stop it if this program dies.");
ABSL_FLAG(int, kafka_pid, 0, "Pid of the broker, for its CPU use; 0 = not measured.");
ABSL_FLAG(std::string, disk_check_dir, "",
          "Check first that this directory's file system has room for the run; empty = no check.");
ABSL_FLAG(std::string, sizes, "10KB,100KB,1MB", "Record sizes (serialized PayloadContent).");
ABSL_FLAG(int, partitions, 8, "Partitions of each size's topic.");
ABSL_FLAG(int, many_partitions, 768,
          "Partitions of the last phase (at --partitions_size), compared with --partitions; "
          "0 skips it.");
ABSL_FLAG(std::string, partitions_size, "100KB", "Record size of the partition comparison.");
ABSL_FLAG(std::string, phase_bytes, "2048MB",
          "Bytes of records per phase (records = this / size, within [min_records, "
          "max_records]).");
ABSL_FLAG(int64_t, min_records, 2000, "Fewest records per phase.");
ABSL_FLAG(int64_t, max_records, 150000, "Most records per phase.");
ABSL_FLAG(int, sessions, 4096, "Distinct sessions (record keys) per phase.");
ABSL_FLAG(std::string, pool_bytes, "32MB", "Distinct message bodies per size, in bytes.");
ABSL_FLAG(int, runs, 0,
          "Measurements per phase, interleaved (worker, raw COPY, ...; at many partitions: many, "
          "base, ...); each ratio is the median of the per-pair ratios, printed with its spread. "
          "0 = 3 (--quick: 1).");
ABSL_FLAG(int, copy_batch_records, 2000,
          "Raw COPY rows per transaction, at most (the worker's --transaction_max_records).");
ABSL_FLAG(std::string, copy_batch_bytes, "64MB",
          "Raw COPY record bytes per transaction, at most (the worker's "
          "--transaction_max_bytes).");
ABSL_FLAG(absl::Duration, poll_interval, absl::Milliseconds(150),
          "How often the worker's progress (consumer_offsets) is read.");
ABSL_FLAG(absl::Duration, first_row_timeout, absl::Seconds(60),
          "Fail a phase when the worker has persisted nothing this long after it started.");
ABSL_FLAG(absl::Duration, stall_timeout, absl::Seconds(60),
          "Fail a phase when the worker makes no progress for this long.");
ABSL_FLAG(std::string, results_jsonl, "",
          "Append the results as JSON lines to this file (e.g. bench/results/RUN/worker.jsonl).");
ABSL_FLAG(bool, quick, false,
          "Seconds instead of minutes: a few hundred records per phase. Keeps the harness "
          "alive; the numbers mean little. Overrides --phase_bytes, --min_records, "
          "--max_records, --sessions, --pool_bytes and the timeouts.");

namespace ingest::bench_worker {

absl::StatusOr<WorkerBenchOptions> ParseWorkerBenchFlags(int argc, char** argv) {
  ConfigureFlagUsage(
      "Worker benchmark: records per second the worker persists from a pre-filled topic, the "
      "raw PostgreSQL COPY rate of the same rows, their ratio, and few vs many partitions. "
      "Normally run by `./dev bench worker`.\n"
      "Usage: worker_bench --kafka_bootstrap=HOST:PORT --pg_dsn=DSN [flags] -- WORKER_BINARY "
      "[WORKER_FLAGS...]\n"
      "Each phase appends --topic and --group_id to the worker's command.\n"
      "Exit status: 0 measured (targets are reported, not asserted), 1 error, 2 usage.");
  const std::vector<char*> positional = absl::ParseCommandLine(argc, argv);

  WorkerBenchOptions options;
  options.worker_command.assign(positional.begin() + 1, positional.end());
  options.kafka_bootstrap = absl::GetFlag(FLAGS_kafka_bootstrap);
  options.pg_dsn = absl::GetFlag(FLAGS_pg_dsn);
  options.project_id = absl::GetFlag(FLAGS_project);
  options.worker_log = absl::GetFlag(FLAGS_worker_log);
  options.worker_pidfile = absl::GetFlag(FLAGS_worker_pidfile);
  options.kafka_pid = absl::GetFlag(FLAGS_kafka_pid);
  options.disk_check_dir = absl::GetFlag(FLAGS_disk_check_dir);
  absl::StatusOr<std::vector<int64_t>> sizes = bench::ParseSizeList(absl::GetFlag(FLAGS_sizes));
  if (!sizes.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--sizes: ", sizes.status().message()));
  }
  options.sizes = *std::move(sizes);
  options.base_partitions = absl::GetFlag(FLAGS_partitions);
  options.many_partitions = absl::GetFlag(FLAGS_many_partitions);
  for (const auto& [flag, value, name] :
       {std::tuple{&FLAGS_partitions_size, &options.partitions_size_bytes, "--partitions_size"},
        std::tuple{&FLAGS_phase_bytes, &options.phase_bytes, "--phase_bytes"},
        std::tuple{&FLAGS_pool_bytes, &options.pool_bytes, "--pool_bytes"},
        std::tuple{&FLAGS_copy_batch_bytes, &options.copy_batch_bytes, "--copy_batch_bytes"}}) {
    absl::StatusOr<int64_t> bytes = bench::ParseSize(absl::GetFlag(*flag));
    if (!bytes.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": ", bytes.status().message()));
    }
    *value = *bytes;
  }
  options.min_records = absl::GetFlag(FLAGS_min_records);
  options.max_records = absl::GetFlag(FLAGS_max_records);
  options.sessions = absl::GetFlag(FLAGS_sessions);
  options.copy_batch_records = absl::GetFlag(FLAGS_copy_batch_records);
  options.poll_interval = absl::GetFlag(FLAGS_poll_interval);
  options.first_row_timeout = absl::GetFlag(FLAGS_first_row_timeout);
  options.stall_timeout = absl::GetFlag(FLAGS_stall_timeout);
  options.results_jsonl = absl::GetFlag(FLAGS_results_jsonl);
  if (absl::GetFlag(FLAGS_quick)) ApplyQuick(options);
  if (const int runs = absl::GetFlag(FLAGS_runs); runs != 0) options.runs = runs;
  RETURN_IF_ERROR(ValidateOptions(options));
  return options;
}

}  // namespace ingest::bench_worker
