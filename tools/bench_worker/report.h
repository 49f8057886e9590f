#pragma once

// What a worker benchmark run measured, and how it is printed: the
// `bench worker: ...` lines on stdout (the format is the contract of issue 4)
// and one JSON object per line for bench/results/<run>/worker.jsonl.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "absl/types/span.h"
#include "tools/bench/target_check.h"
#include "tools/bench_worker/options.h"

namespace ingest::bench_worker {

using ::ingest::bench::TargetCheck;

// The worker draining a pre-filled topic, timed from the first persisted
// records it was seen to have committed to the last.
struct WorkerThroughput {
  int64_t records = 0;           // produced, and persisted by the end
  int64_t first_seen = 0;        // records already committed at the first sighting
  absl::Duration window;         // first sighting to last record
  absl::Duration startup;        // worker start to first sighting
  double msgs_per_s = 0;         // (records - first_seen) / window
  // True when the first sighting already showed every record (tiny runs):
  // msgs_per_s is then records / startup, start-up included.
  bool includes_startup = false;
  double worker_cpu_cores = -1;  // during the window; -1 = not measured
  double kafka_cpu_cores = -1;
};

// The same rows COPYed by one libpq client into a table LIKE session_payloads.
struct CopyThroughput {
  int64_t rows = 0;
  int batch_rows = 0;   // rows per transaction
  int64_t batches = 0;
  int64_t data_bytes = 0;  // bytes of the `data` column, as stored
  std::string storage;     // "zstd" or "identity": how `data` was stored
  absl::Duration elapsed;
  double msgs_per_s = 0;
};

struct PhaseResult {
  Phase phase;
  int64_t record_bytes = 0;  // mean Kafka record value size
  std::string topic;
  WorkerThroughput worker;
  std::optional<CopyThroughput> copy;  // when phase.raw_copy
};

// Records per second over a window; 0 for an empty window.
double Rate(int64_t records, absl::Duration window);

// worker msgs/s over raw COPY msgs/s; 0 without a COPY measurement.
double CopyRatio(const PhaseResult& result);

// many-partition msgs/s over base-partition msgs/s at options'
// partitions_size_bytes; nullopt when either phase is missing or empty.
std::optional<double> PartitionsRatio(absl::Span<const PhaseResult> results,
                                      const WorkerBenchOptions& options);

// bench worker: size=100KB worker_msgs_per_s=… raw_copy_msgs_per_s=… ratio=… partitions=8
std::string FormatSizeLine(const PhaseResult& result);

// bench worker: partitions=768 ratio_vs_8=…
std::string FormatPartitionsLine(int many_partitions, int base_partitions, double ratio);

std::vector<TargetCheck> EvaluateTargets(absl::Span<const PhaseResult> results,
                                         const WorkerBenchOptions& options);

// bench worker: targets ratio@100KB>=0.7 held (0.85); partitions768>=0.8x_8 held (0.93)
std::string FormatWorkerTargetsLine(absl::Span<const TargetCheck> checks);

// JSON Lines records, told apart by "kind": "phase" (targets use
// bench::TargetJson, kind "target").
std::string PhaseResultJson(const PhaseResult& result);

}  // namespace ingest::bench_worker
