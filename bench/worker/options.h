#pragma once

// Everything a worker benchmark run needs, its command line (flags bound
// straight to the fields, whose initializers are the defaults), validated in
// one place, and the plan derived from it: which phases run, how many records
// each produces, how large the raw COPY batches are.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "bench/common/target_check.h"

namespace CLI {
class App;
}  // namespace CLI

namespace ingest::bench_worker {

// The targets of issues 4 and 16's performance sections (the ratios: worker
// msgs/s over raw COPY msgs/s). Reported, never asserted.
struct Targets {
  std::vector<bench::RatioTarget> ratios = {{.size_bytes = 100 * 1024, .min_ratio = 0.7},
                                            {.size_bytes = 10 * 1024, .min_ratio = 0.5}};
  double min_partitions_ratio = 0.8;  // many partitions over base partitions
  // The worker's CPU-seconds per GiB of payload persisted, at this size.
  int64_t cpu_size_bytes = 100 * 1024;
  double max_cpu_s_per_gib = 1.0;
};

struct WorkerBenchOptions {
  // The stack (./dev bench worker fills these in).
  std::string kafka_bootstrap;
  std::string pg_dsn;
  std::string project_id = "demo-project";
  // The worker's command line (after `--`): binary and its fixed flags. Each
  // phase appends --topic and --group_id.
  std::vector<std::string> worker_command;
  std::string worker_log;      // the worker's stdout and stderr, appended
  std::string worker_pidfile;  // "pid\nmarker\n" while it runs (./dev's format)
  int kafka_pid = 0;           // for CPU; 0 = not measured
  std::string disk_check_dir;  // free space checked here first; empty = not checked

  // Serialized PayloadContent sizes, each measured at `base_partitions`.
  std::vector<int64_t> sizes = {10 * 1024, 100 * 1024, 1024 * 1024};
  int base_partitions = 8;
  // Then the same size again with this many partitions; 0 skips the phase.
  int many_partitions = 768;
  int64_t partitions_size_bytes = 100 * 1024;

  // Records per phase: phase_bytes worth, clamped to [min_records, max_records].
  int64_t phase_bytes = int64_t{2} << 30;
  int64_t min_records = 2000;
  int64_t max_records = 150000;
  int sessions = 4096;                     // distinct keys; payload_id increases per session
  int64_t pool_bytes = int64_t{32} << 20;  // distinct bodies per size

  // Measurements per phase, interleaved: worker, raw COPY, worker, ... (at
  // base partitions); many partitions, base partitions, many, ... (the
  // partition phase). Each ratio is the median of the per-pair ratios.
  int runs = 3;

  // Raw COPY rows per transaction: the most one worker transaction holds
  // (its --transaction_max_records / --transaction_max_bytes defaults).
  int copy_batch_records = 2000;
  int64_t copy_batch_bytes = int64_t{64} << 20;

  absl::Duration poll_interval = absl::Milliseconds(150);
  absl::Duration first_row_timeout = absl::Seconds(60);
  // No progress for this long during a phase fails it.
  absl::Duration stall_timeout = absl::Seconds(60);
  absl::Duration produce_timeout = absl::Minutes(5);
  absl::Duration worker_stop_timeout = absl::Seconds(20);

  std::string results_jsonl;  // appended to; empty = none
  bool quick = false;         // --quick: ApplyQuick
  Targets targets;
};

// Binds every flag to its field of `options`, and everything after `--` to
// worker_command. Once `app` has parsed, --quick has been applied (a --runs
// given still wins) and the options validated: a failure is a usage error
// (cli::Parse exits 2). `options` must outlive the parse.
void AddWorkerBenchFlags(CLI::App& app, WorkerBenchOptions& options);

// Seconds instead of minutes (./dev bench worker --quick, also from ./dev
// test): a few hundred records per phase, one run each, a small pool. The
// numbers mean little.
void ApplyQuick(WorkerBenchOptions& options);

absl::Status ValidateOptions(const WorkerBenchOptions& options);

// One worker measurement: records of one size in a topic of `partitions`
// partitions, and whether the raw COPY of the same rows follows.
struct Phase {
  int64_t size_bytes = 0;
  int partitions = 0;
  bool raw_copy = false;
};

// Every size at base_partitions with its raw COPY, then, when many_partitions
// is set, partitions_size_bytes at many_partitions (preceded by a
// base_partitions phase of that size when `sizes` lacks it).
std::vector<Phase> PlanPhases(const WorkerBenchOptions& options);

// Records produced for a phase of `size_bytes`.
int64_t RecordsFor(const WorkerBenchOptions& options, int64_t size_bytes);

// Rows per raw COPY transaction: what one worker transaction holds at most at
// this record size (copy_batch_records, or fewer when copy_batch_bytes is
// reached first), at least 1.
int CopyBatchRows(const WorkerBenchOptions& options, int64_t record_bytes);

// Bytes the run's Kafka records take (every phase's records are kept until
// the end) plus the largest phase twice (worker table and COPY table), for
// the free-space check.
int64_t DiskBytesNeeded(const WorkerBenchOptions& options);

}  // namespace ingest::bench_worker
