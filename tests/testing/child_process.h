#pragma once

// A child process started from a command line, for cross-service tests and
// for the benchmarks that run the real binaries (bench/worker, bench/e2e).
//
// Only ever signals its own child, by pid, and only until it has reaped it
// (so never a reused pid). A process still running when the object goes
// away is stopped: SIGKILL by default, so a failing test leaves nothing
// running, or SIGTERM with a grace period (Options::destructor_grace).
//
// The child's stdin is /dev/null and it starts with no signals blocked.
// Start() returns once the child has exec'd the binary (an exec failure is
// Start's error, not an exit status).
//
// Threads: one owner thread calls everything but pid() and ResidentBytes(),
// which others may call while the owner is not stopping the process. With
// Options::parent_death_signal the owner must be the thread that started
// the process and must outlive it (the signal follows that thread).

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ingest {

class ChildProcess {
 public:
  struct Options {
    // Where stdout and stderr go; exactly one of the two must be set:
    // `log_prefix`.out and `log_prefix`.err, emptied first, or
    std::string log_prefix;
    // one file both are appended to (WaitForOutput reads what this process
    // appended, not what the file held before).
    std::string log_file;
    // If set, holds "PID\nARGV0\n" from Start until the process is reaped:
    // ./dev's pid-file format (deploy/local/common.sh's pidfile_pid checks
    // that /proc/PID/cmdline holds the second line), so ./dev's EXIT trap
    // can stop it too. A pidfile that cannot be written fails Start (the
    // child is killed).
    std::string pidfile;
    // setsid(): the child leads a session of its own, so the terminal's
    // signals (Ctrl-C's SIGINT) do not reach it; the parent stops it.
    bool own_session = false;
    // If not 0, prctl(PR_SET_PDEATHSIG): the child gets this signal when
    // the thread that started it ends, e.g. when the parent is SIGKILLed.
    int parent_death_signal = 0;
    // How the destructor stops a process still running: SIGKILL if zero,
    // otherwise Terminate(destructor_grace).
    absl::Duration destructor_grace = absl::ZeroDuration();
  };

  // Starts `argv` (argv[0] is the binary's path; no PATH lookup). Errors:
  // InvalidArgument for an empty argv or not exactly one log option; the
  // errno's code for a log or pid file that cannot be written or a binary
  // that cannot be executed.
  static absl::StatusOr<ChildProcess> Start(const std::vector<std::string>& argv,
                                            const Options& options);
  // Start with only Options::log_prefix.
  static absl::StatusOr<ChildProcess> Start(const std::vector<std::string>& argv,
                                            const std::string& log_prefix);

  // A moved-from process is empty: not running, nothing to stop.
  ChildProcess(ChildProcess&& other) noexcept;
  // Stops this object's process as the destructor would, then takes over
  // `other`'s.
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ~ChildProcess();

  // Still the pid after the exit, for messages; do not signal it then.
  pid_t pid() const { return pid_; }

  // False once the process has exited (it is then reaped and its pidfile
  // removed); exit_text() then says how: "exited with status N" or
  // "killed by signal N".
  bool Running();
  const std::string& exit_text() const { return exit_text_; }

  // Waits until a line of stdout (or stderr; with Options::log_file, either
  // stream: the one file) contains `needle`; returns that line, or nullopt
  // at the deadline or once the process has exited without printing it.
  std::optional<std::string> WaitForOutput(const std::string& needle, bool from_stderr,
                                           absl::Duration timeout);

  // Sends `signal` and waits up to `timeout` for the exit; returns the exit
  // code (128 + signal if killed), or nullopt if it still runs at the
  // deadline. A process that had already exited is not signalled: its exit
  // code is returned.
  std::optional<int> Stop(int signal, absl::Duration timeout);

  // SIGTERM, up to `grace` for the exit, then SIGKILL. OK if it exited with
  // status 0 or by the SIGTERM itself; otherwise an error saying how it
  // exited (DeadlineExceeded if it needed the SIGKILL, Aborted if it had
  // already exited, Internal for any other exit).
  absl::Status Terminate(absl::Duration grace);

  // SIGKILL (a crash, for failover tests) and reaps the process. Aborted if
  // it had already exited.
  absl::Status Kill();

  // Resident set size in bytes (/proc/<pid>/stat), or -1 if unavailable.
  int64_t ResidentBytes() const;

 private:
  ChildProcess() = default;

  // waitpid: blocking, or not (then false if it still runs). On true the
  // process is reaped: exit state recorded, pidfile removed.
  bool Reap(bool block);
  // Polls for the exit until `deadline`; false if it still runs then.
  bool WaitForExit(absl::Time deadline);
  // The destructor's stop (Options::destructor_grace).
  void StopForDestruction();
  // "NAME (pid P)" for error messages.
  std::string Describe() const;

  pid_t pid_ = -1;
  std::string name_;  // argv[0]'s last component
  std::string log_prefix_;
  std::string log_file_;
  int64_t log_offset_ = 0;  // log_file_'s size at the start
  std::string pidfile_;
  absl::Duration destructor_grace_;
  bool exited_ = true;              // false from Start until reaped
  std::optional<int> wait_status_;  // waitpid's, once reaped
  std::string exit_text_;
};

// A path for `name` in the test's scratch directory ($TEST_TMPDIR).
std::string TestTempPath(const std::string& name);

// Writes `text` to TestTempPath(name) and returns that path.
std::string WriteTestTempFile(const std::string& name, const std::string& text);

// A started child and the address it serves on.
struct StartedProcess {
  ChildProcess process;
  std::string address;  // HOST:PORT
};

// tools/mock_kafka started with `flags` (e.g. "--partitions=3"), output to
// `log_prefix`, once it printed its bootstrap address (`address`).
absl::StatusOr<StartedProcess> StartMockKafka(const std::vector<std::string>& flags,
                                              const std::string& log_prefix);

// A service started with `argv`, output to `log_prefix`, once it logged
// `started_event` (e.g. "gateway.started") with its gRPC "port=PORT";
// `address` is 127.0.0.1:PORT.
absl::StatusOr<StartedProcess> StartService(const std::vector<std::string>& argv,
                                            const std::string& log_prefix,
                                            const std::string& started_event);

// The path of a data dependency in the test's runfiles, e.g.
// "services/gateway/gateway".
std::string RunfilePath(const std::string& workspace_relative);

}  // namespace ingest
