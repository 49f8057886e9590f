#pragma once

// Process: a child process for real_gateway_test (the gateway and
// mock_kafka binaries), started with posix_spawn, output to files, stopped
// by its pid, killed if still running when the object goes away.
//
// A stand-in for //tests/testing:child_process, which does the same but is
// visible to //tests/... only; replace this with it once its visibility
// includes //client/cpp (a one-line change in tests/testing/BUILD.bazel).
//
// Not thread-safe: one owner.

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ingest::client::testing {

class Process {
 public:
  // Starts `argv`; stdout and stderr go to `log_prefix`.{out,err}.
  static absl::StatusOr<Process> Start(const std::vector<std::string>& argv,
                                       const std::string& log_prefix);
  Process(Process&& other) noexcept;
  Process& operator=(Process&&) = delete;
  ~Process();

  pid_t pid() const { return pid_; }

  // The first line of stdout (or stderr) containing `needle`, waiting up to
  // `timeout`; nullopt at the deadline or if the process exited.
  std::optional<std::string> WaitForLine(const std::string& needle, bool from_stderr,
                                         absl::Duration timeout) const;

  // Sends `signal` to the pid and waits up to `timeout` for the exit; the
  // exit code (128 + signal if killed), or nullopt if it did not exit.
  std::optional<int> Stop(int signal, absl::Duration timeout);

 private:
  Process(pid_t pid, std::string log_prefix) : pid_(pid), log_prefix_(std::move(log_prefix)) {}

  pid_t pid_ = -1;
  std::string log_prefix_;
};

// $TEST_TMPDIR/name.
std::string TempPath(const std::string& name);
// A data dependency's path in the test's runfiles ("services/gateway/gateway").
std::string Runfile(const std::string& workspace_relative);

}  // namespace ingest::client::testing
