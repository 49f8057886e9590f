#pragma once

// What the three modes share: the results file and the result lines, the
// client SDK's Client and its sessions, the workers, consumer lag (sampled on
// its own thread every 500 ms, and read partition by partition on demand),
// CPU readings, and how a run fails.
//
// Threads: the main thread, except where a member says otherwise.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "bench/common/payload_pool.h"
#include "bench/common/process_usage.h"
#include "bench/common/results_file.h"
#include "bench/common/sdk_sink.h"
#include "bench/common/target_check.h"
#include "bench/e2e/options.h"
#include "bench/e2e/worker_fleet.h"
#include "client/cpp/client.h"
#include "client/cpp/session.h"
#include "e2e_bench_results.pb.h"
#include "google/protobuf/message.h"
#include "tools/chaos/lag_sources.h"
#include "tools/chaos/lag_tracker.h"

namespace ingest::bench_e2e {

// How a wait for the lag ended.
struct LagWait {
  bool reached = false;
  int64_t lag = -1;  // the last fresh sample; -1 if none
  absl::Duration waited;
};

// The load of modes e2e and failover: --lanes sessions, lane i pushing
// session i's payloads (unary) with bodies of --size from a pool built once.
struct PooledSessions {
  bench::PayloadPool pool;
  std::vector<std::unique_ptr<client::Session>> sessions;
  std::unique_ptr<bench::SdkSink> sink;  // over `sessions` and `pool`
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
  bench::BackpressureCount& backpressure() { return backpressure_; }
  WorkerFleet& workers() { return *workers_; }

  // --- failing: each of these ends the process on an error (see Fail).
  // Stops the workers, prints the lines kept so far, notes the error and
  // ends the process with status 1 (load callbacks may still be in flight).
  [[noreturn]] void Fail(const absl::Status& status);
  // Fail()s unless `status` is OK, with `context` (if any) in front of its
  // message.
  void Check(const absl::Status& status, absl::string_view context = {});
  template <typename T>
  T ValueOrFail(absl::StatusOr<T> value, absl::string_view context = {}) {
    Check(value.status(), context);
    return *std::move(value);
  }
  // Fail()s, pointing at its log, unless worker `n` is still running.
  void FailIfWorkerExited(int n);

  // --- sessions and workers
  // `count` new sessions of the run's project.
  std::vector<std::unique_ptr<client::Session>> CreateSessions(int count);
  std::unique_ptr<PooledSessions> CreatePooledSessions();
  // Launches workers 1..count (worker n with flags(n) appended) and waits
  // until every one is ready.
  void StartWorkers(int count, const std::function<std::vector<std::string>(int n)>& flags);

  // --- lag (runs with workers only)
  void StartLagSampler();
  // The latest lag for a progress line, -1 before the first sample.
  int64_t LatestLagOrMinusOne() const;
  // Every sample taken in [from, to).
  std::vector<chaos::LagSample> LagBetween(absl::Time from, absl::Time to) const;
  // Waits until a fresh sample taken after the wait began shows lag <=
  // `floor`, or `timeout`; a progress line titled `title` meanwhile.
  LagWait WaitForLagAtMost(int64_t floor, absl::Duration timeout, const std::string& title);
  // Partition by partition, read now on this thread.
  absl::StatusOr<std::map<int32_t, int64_t>> ReadCommittedOffsets();
  absl::StatusOr<std::map<int32_t, int64_t>> ReadHighWatermarks();
  int partition_count() const;

  // --- CPU: every process the run watches, role by role (the client, the
  // gateway, the workers, the broker, PostgreSQL's postmaster and children).
  bench::CpuReading ReadCpu();
  static Cores CoresBetween(const bench::CpuReading& start, const bench::CpuReading& end);

  // --- output
  // The run's "run" record (one of e2e_bench_results.proto's *RunRecord):
  // kind, mode, started_at (now), quick and cpus; the mode adds its own
  // settings.
  template <typename RunRecord>
  RunRecord NewRunRecord() const {
    RunRecord record;
    record.set_kind("run");
    record.set_mode(std::string(ModeName(options_.mode)));
    record.set_started_at(absl::FormatTime(absl::RFC3339_sec, absl::Now(), absl::UTCTimeZone()));
    record.set_quick(options_.quick);
    record.set_cpus(static_cast<int32_t>(std::thread::hardware_concurrency()));
    return record;
  }
  // Appends `record` to the results file.
  void Write(const google::protobuf::Message& record) { results_.Write(record); }
  // Keeps a result line for the end and notes it on stderr now.
  void AddLine(std::string line);
  // A measurement with targets: `record` and the targets' records to the
  // results file; its `line` and "bench <name>: targets ..." kept.
  void AddResult(const google::protobuf::Message& record, std::string line, absl::string_view name,
                 absl::Span<const bench::TargetCheck> targets);
  // Prints the kept lines on stdout.
  void PrintLines() const;

 private:
  std::optional<chaos::LagSample> LatestLag() const;

  const E2eOptions& options_;
  bench::ResultsFile results_;
  std::vector<std::string> lines_;
  bench::BackpressureCount backpressure_;  // the Client's observer: outlives it
  std::unique_ptr<client::Client> client_;
  std::unique_ptr<WorkerFleet> workers_;
  // Both sides of the lag; each is used from one thread at a time.
  struct LagSources {
    std::unique_ptr<chaos::PartitionCommittedOffsetSource> offsets;
    std::unique_ptr<chaos::PartitionHighWatermarkSource> watermarks;
  };
  LagSources sampler_sources_;  // the sampler's thread only
  LagSources sources_;          // the main thread's
  std::optional<chaos::LagTracker> initial_lag_;
  std::unique_ptr<chaos::LagSampler> sampler_;
};

}  // namespace ingest::bench_e2e
