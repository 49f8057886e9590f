#pragma once

// The workers a bench_e2e run starts, numbered from 1 ("bench-worker-N"),
// each a child process of the real binary (a ChildProcess: own session,
// SIGTERM if this tool dies, a pid file in ./dev's format). Each start
// appends to the command line its own
//   --metrics_address=127.0.0.1:PORT --health_address=127.0.0.1:PORT
// (free ports) and the caller's extra flags; the log is LOG_DIR/
// bench-worker-N.log, appended to across restarts, each start after a
// "----- bench_e2e: ..." line.
//
// Threads: the thread that constructed it only (a child's parent-death
// signal follows the thread that forked it).

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/testing/child_process.h"

namespace ingest::bench_e2e {

struct WorkerFleetOptions {
  std::vector<std::string> command;  // binary and fixed flags
  std::string log_dir;
  std::string pid_dir;  // empty = no pid files
  absl::Duration ready_timeout = absl::Seconds(60);
  absl::Duration stop_grace = absl::Seconds(30);  // for the destructor
};

class WorkerFleet {
 public:
  explicit WorkerFleet(WorkerFleetOptions options) : options_(std::move(options)) {}
  // Stops every worker still running (SIGTERM, then SIGKILL after the grace).
  ~WorkerFleet();

  WorkerFleet(const WorkerFleet&) = delete;
  WorkerFleet& operator=(const WorkerFleet&) = delete;

  static std::string Name(int n);  // "bench-worker-N"

  // Starts worker `n` (which must not be running) and returns at once.
  absl::Status Launch(int n, const std::vector<std::string>& extra_flags);
  // Polls GET /readyz every 100 ms until it answers 200; an error at
  // `deadline` or as soon as the process exits (with its log's last lines).
  absl::Status WaitReady(int n, absl::Time deadline);
  // Launch, then WaitReady within options.ready_timeout.
  absl::Status Start(int n, const std::vector<std::string>& extra_flags);

  // One GET /readyz: true on 200.
  bool Ready(int n);
  bool Running(int n);
  // Pids of the running workers.
  std::vector<int> pids();

  // SIGKILL, reaped.
  absl::Status Kill(int n);
  // SIGTERM; returns how long it took to exit (OK only for a clean exit;
  // SIGKILL after `grace`).
  absl::StatusOr<absl::Duration> Stop(int n, absl::Duration grace);
  void StopAll(absl::Duration grace);

  // GET /metrics.
  absl::StatusOr<std::string> Metrics(int n);
  // The partitions worker `n` owns according to its log since its last start.
  absl::StatusOr<std::set<int32_t>> OwnedPartitions(int n);

  std::string log_path(int n) const;
  // "bench-worker-N (pid P)".
  std::string Describe(int n);

 private:
  struct Instance {
    std::optional<ChildProcess> process;  // set by Launch
    std::string metrics_address;
    std::string health_address;
    int64_t log_offset = 0;  // where this start's lines begin
  };

  absl::StatusOr<std::string> NewAddress();
  absl::StatusOr<Instance*> Find(int n);
  std::string LogTail(int n, int lines) const;

  const WorkerFleetOptions options_;
  std::map<int, Instance> instances_;
  std::set<int> used_ports_;
};

}  // namespace ingest::bench_e2e
