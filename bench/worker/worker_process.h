#pragma once

// The worker under test as a child process: started with a command line,
// stopped by its pid (SIGTERM, then SIGKILL after a grace period). Nothing
// else is ever signalled.
//
// The child gets its own session (terminal signals do not reach it) and
// SIGTERM when the benchmark dies, and while it runs its pid is recorded in
// `pidfile` in ./dev's format (pid, then a string of its command line), so
// ./dev's EXIT trap can stop it too.
//
// Threads: one owner thread.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ingest::bench_worker {

class WorkerProcess {
 public:
  // Starts `argv` (argv[0] is the binary's path) with stdin from /dev/null
  // and stdout and stderr appended to `log_path`.
  static absl::StatusOr<std::unique_ptr<WorkerProcess>> Start(const std::vector<std::string>& argv,
                                                              const std::string& log_path,
                                                              const std::string& pidfile);
  // Stops the process if it still runs.
  ~WorkerProcess();

  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  int pid() const { return pid_; }

  // False once the process has exited (it is then reaped); `exit_text` says how.
  bool Running();
  const std::string& exit_text() const { return exit_text_; }

  // SIGTERM, up to `grace` for it to exit, then SIGKILL. OK if it exited
  // with status 0 (or by the SIGTERM itself); an error describing the exit
  // otherwise.
  absl::Status Stop(absl::Duration grace);

  // SIGKILL (a crash, for failover measurements) and reaps the process. An
  // error if it had already exited.
  absl::Status Kill();

 private:
  WorkerProcess(int pid, std::string pidfile) : pid_(pid), pidfile_(std::move(pidfile)) {}
  void Reaped(int wait_status);

  const int pid_;
  const std::string pidfile_;
  bool exited_ = false;
  int wait_status_ = 0;
  std::string exit_text_;
};

}  // namespace ingest::bench_worker
