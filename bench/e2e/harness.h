#pragma once

// What the three modes share: the results file and the result lines, the
// client SDK's Client and its backpressure count, the workers, consumer lag (sampled on its own thread
// every 500 ms, and read partition by partition on demand), CPU readings,
// and how a run fails.
//
// Threads: the main thread, except where a member says otherwise.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/cpp/client.h"
#include "client/cpp/session.h"
#include "bench/common/json_line.h"
#include "bench/common/results_file.h"
#include "bench/common/sdk_sink.h"
#include "bench/e2e/options.h"
#include "bench/e2e/process_tree.h"
#include "bench/e2e/report.h"
#include "bench/e2e/worker_fleet.h"
#include "tools/chaos/lag_sources.h"
#include "tools/chaos/lag_tracker.h"

namespace ingest::bench_e2e {

// CPU time so far of every process a run watches.
struct CpuReadings {
  absl::Time at;
  absl::StatusOr<absl::Duration> client = absl::UnknownError("not read");
  absl::StatusOr<absl::Duration> gateway = absl::UnknownError("not read");
  absl::StatusOr<absl::Duration> kafka = absl::UnknownError("not read");
  CpuByPid workers;
  CpuByPid postgres;
};

// How a wait for the lag ended.
struct LagWait {
  bool reached = false;
  int64_t lag = -1;  // the last fresh sample; -1 if none
  absl::Duration waited;
};

class Harness {
 public:
  explicit Harness(const E2eOptions& options);
  ~Harness();

  // Opens the results file, makes the log directory, creates the Client
  // (mode sizes streams every payload; the others send theirs unary) and,
  // when the run has workers, connects to PostgreSQL and Kafka (and checks
  // their offsets agree).
  absl::Status Setup();

  const E2eOptions& options() const { return options_; }
  client::Client& client() { return *client_; }
  // The Client's backpressure retries, for the sinks.
  bench::BackpressureCount& backpressure() { return backpressure_; }
  WorkerFleet& workers() { return *workers_; }
  bench::ResultsFile& results() { return results_; }

  // `count` new sessions of the run's project.
  absl::StatusOr<std::vector<std::unique_ptr<client::Session>>> CreateSessions(int count);

  // --- lag (runs with workers only)
  void StartLagSampler();
  std::optional<chaos::LagSample> LatestLag() const;
  // Every sample taken in [from, to).
  std::vector<chaos::LagSample> LagBetween(absl::Time from, absl::Time to) const;
  // Waits until a fresh sample taken after the wait began shows lag <=
  // `floor`, or `timeout`; a progress line titled `title` meanwhile.
  LagWait WaitForLagAtMost(int64_t floor, absl::Duration timeout, const std::string& title);
  // Partition by partition, read now on this thread.
  absl::StatusOr<std::map<int32_t, int64_t>> ReadCommittedOffsets();
  absl::StatusOr<std::map<int32_t, int64_t>> ReadHighWatermarks();
  int partition_count() const;

  // --- CPU
  CpuReadings ReadCpu();
  CpuCores CoresBetween(const CpuReadings& start, const CpuReadings& end) const;

  // --- output
  // The start of the run's "run" record: kind, mode, started_at (now) and
  // quick; each mode adds its own settings.
  bench::JsonLine RunJson() const;
  // Keeps a result line for the end and notes it on stderr now.
  void AddLine(std::string line);
  // Prints the kept lines on stdout.
  void PrintLines() const;
  // Stops the workers, prints the lines kept so far, notes the error and
  // ends the process with status 1 (load callbacks may still be in flight).
  [[noreturn]] void Fail(const absl::Status& status);
  // Fail()s, pointing at its log, unless worker `n` is still running.
  void FailIfWorkerExited(int n);

 private:
  const E2eOptions& options_;
  bench::ResultsFile results_;
  std::vector<std::string> lines_;
  bench::BackpressureCount backpressure_;  // the Client's observer: outlives it
  std::unique_ptr<client::Client> client_;
  std::unique_ptr<WorkerFleet> workers_;
  // The sampler's sources (its thread only) and the main thread's own.
  std::unique_ptr<chaos::CommittedOffsetSource> sampler_offsets_;
  std::unique_ptr<chaos::HighWatermarkSource> sampler_watermarks_;
  std::unique_ptr<chaos::PartitionCommittedOffsetSource> offsets_;
  std::unique_ptr<chaos::PartitionHighWatermarkSource> watermarks_;
  std::optional<chaos::LagTracker> initial_lag_;
  std::unique_ptr<chaos::LagSampler> sampler_;
};

// "12.3 MB"-style helpers shared by the modes' notes.
double ToMb(int64_t bytes);

}  // namespace ingest::bench_e2e
