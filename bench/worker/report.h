#pragma once

// What a worker benchmark run measured, and how it is printed: the
// `bench worker: ...` lines on stdout (the format is the contract of issue 4)
// and the records of bench/results/<run>/worker.jsonl
// (worker_bench_results.proto).

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "absl/types/span.h"
#include "bench/common/progress.h"
#include "bench/common/run_spread.h"
#include "bench/common/target_check.h"
#include "bench/worker/options.h"
#include "worker_bench_results.pb.h"

namespace ingest::bench_worker {

using ::ingest::bench::TargetCheck;

// The worker draining a pre-filled topic, timed from the first persisted
// records it was seen to have committed to the last.
struct WorkerThroughput {
  int64_t records = 0;     // produced, and persisted by the end
  int64_t first_seen = 0;  // records already committed at the first sighting
  absl::Duration window;   // first sighting to last record
  absl::Duration startup;  // worker start to first sighting
  double msgs_per_s = 0;   // (records - first_seen) / window
  // True when the first sighting already showed every record (tiny runs):
  // msgs_per_s is then records / startup, start-up included.
  bool includes_startup = false;
  double worker_cpu_cores = -1;  // during the window; -1 = not measured
  double kafka_cpu_cores = -1;
  // The worker process's CPU time (user + sys, /proc/<pid>/stat) over the
  // window, and the payload bytes it persisted in it (raw content: the
  // serialized PayloadContent, what a client sent); -1 = not measured.
  // cpu_from_start: both from the worker's start over every record (no
  // window, or one under a second: too short for CPU ticks of 10 ms).
  double worker_cpu_s = -1;
  int64_t persisted_bytes = 0;
  bool cpu_from_start = false;
};

// The same rows COPYed by one libpq client into a table LIKE session_payloads.
struct CopyThroughput {
  int64_t rows = 0;
  int batch_rows = 0;  // rows per transaction
  int64_t batches = 0;
  int64_t data_bytes = 0;  // bytes of the `data` column, as stored
  std::string storage;     // "zstd" or "identity": how `data` was stored
  absl::Duration elapsed;
  double msgs_per_s = 0;
};

// One phase, measured `runs` times, interleaved: worker, raw COPY, worker,
// ... at base partitions; many partitions, base partitions, many, ... in the
// partition phase (the base runs drain the base phase's topic again).
struct PhaseResult {
  Phase phase;
  int64_t record_bytes = 0;   // mean Kafka record value size
  int64_t content_bytes = 0;  // mean raw content (serialized PayloadContent) size
  std::string topic;
  // Every run in the order measured; pair i is worker i and copy (or base) i.
  std::vector<WorkerThroughput> worker_runs;  // at least one
  std::vector<CopyThroughput> copy_runs;      // when phase.raw_copy
  std::vector<double> base_runs_msgs_per_s;   // the partition phase's base-partition runs
};

// Records per second over a window; 0 for an empty window.
double Rate(int64_t records, absl::Duration window);

// The progress line of a phase that counts records, on stderr: the bar is
// done over total, the detail "1234/5000 acked  1520 msg/s" (the rate since
// the previous redraw). `done` must outlive the result.
bench::PhaseProgress CountProgress(std::string title, const std::atomic<int64_t>& done,
                                   int64_t total, absl::string_view unit);

// CPU-seconds per GiB of payload persisted (GiB = 2^30 bytes); -1 when not
// measured.
double CpuSecondsPerGib(const WorkerThroughput& worker);

// The median run (by msgs/s) of each side: its numbers (CPU, counts) stand
// for the side. MedianCopyRun is null without a raw COPY.
const WorkerThroughput& MedianWorkerRun(const PhaseResult& result);
const CopyThroughput* MedianCopyRun(const PhaseResult& result);

// worker msgs/s over raw COPY msgs/s of each interleaved pair, in order.
std::vector<double> CopyRatioRuns(const PhaseResult& result);

// Worker CPU-seconds per GiB over the runs (runs = 0 when none was measured).
bench::RunSpread CpuSpread(const PhaseResult& result);

// many-partition msgs/s over base-partition msgs/s at options'
// partitions_size_bytes, of each interleaved pair (or, without base runs in
// the partition phase, of the two phases' medians); nullopt when either
// phase is missing or empty.
std::optional<bench::RunSpread> PartitionsSpread(absl::Span<const PhaseResult> results,
                                                 const WorkerBenchOptions& options);

// bench worker: size=100KB worker_msgs_per_s=… raw_copy_msgs_per_s=… ratio=… partitions=8
// ratio_spread=…-… runs=… worker_cpu_s_per_gib=…
std::string FormatSizeLine(const PhaseResult& result);

// bench worker: partitions=768 ratio_vs_8=… ratio_spread=…-… runs=…
std::string FormatPartitionsLine(int many_partitions, int base_partitions,
                                 const bench::RunSpread& ratio);

// For bench::FormatTargetsLine: ratio@100KB>=0.7 held (0.85, runs 0.80-0.88);
// ratio@10KB>=0.5 …; partitions768>=0.8x_8 held (0.93, …);
// worker_cpu_s_per_gib@100KB<=1 MISSED (3.8, …)
std::vector<TargetCheck> EvaluateTargets(absl::Span<const PhaseResult> results,
                                         const WorkerBenchOptions& options);

// "10KBx400@8p+copy 100KBx163@768p": each phase's size, records and
// partitions.
std::string PlanText(const WorkerBenchOptions& options);

// The records of worker.jsonl (targets use bench::ToTargetRecord, kind "target").
RunRecord RunRecordOf(const WorkerBenchOptions& options, absl::Time started_at);
PhaseRecord PhaseRecordOf(const PhaseResult& result);
PartitionsRecord PartitionsRecordOf(const WorkerBenchOptions& options,
                                    const bench::RunSpread& ratio);

}  // namespace ingest::bench_worker
