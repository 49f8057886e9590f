#pragma once

// A child process for cross-service tests: started with posix_spawn, output
// to files, and always stopped (SIGKILL) when the object goes away, so a
// failing test leaves nothing running.

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ingest {

class ChildProcess {
 public:
  // Starts `argv` with stdout and stderr to `log_prefix`.{out,err}.
  static absl::StatusOr<ChildProcess> Start(const std::vector<std::string>& argv,
                                            const std::string& log_prefix);
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ~ChildProcess();

  pid_t pid() const { return pid_; }

  // Waits until a line of stdout (or stderr) contains `needle`; returns that
  // line, or nullopt at the deadline or if the process exits.
  std::optional<std::string> WaitForOutput(const std::string& needle, bool from_stderr,
                                           absl::Duration timeout) const;

  // Sends `signal` and waits up to `timeout` for the exit; returns the exit
  // code (128 + signal if killed), or nullopt if it did not exit in time.
  std::optional<int> Stop(int signal, absl::Duration timeout);

  // Resident set size in bytes (/proc/<pid>/stat), or -1 if unavailable.
  int64_t ResidentBytes() const;

 private:
  ChildProcess(pid_t pid, std::string log_prefix) : pid_(pid), log_prefix_(std::move(log_prefix)) {}

  pid_t pid_ = -1;
  std::string log_prefix_;
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
