#include "tests/testing/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/metrics/process_collector.h"
#include "services/common/status/status_macros.h"

extern char** environ;

namespace ingest {

absl::StatusOr<ChildProcess> ChildProcess::Start(const std::vector<std::string>& argv,
                                                 const std::string& log_prefix) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, (log_prefix + ".out").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, (log_prefix + ".err").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int error = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) {
    return absl::InternalError(absl::StrCat("cannot start ", argv[0], ": ", strerror(error)));
  }
  return ChildProcess(pid, log_prefix);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(other.pid_), log_prefix_(std::move(other.log_prefix_)) {
  other.pid_ = -1;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) Stop(SIGKILL, absl::Seconds(10));
}

std::optional<std::string> ChildProcess::WaitForOutput(const std::string& needle, bool from_stderr,
                                                       absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  const std::string path = log_prefix_ + (from_stderr ? ".err" : ".out");
  while (absl::Now() < deadline) {
    std::ifstream file(path);
    std::string line;
    while (std::getline(file, line)) {
      if (absl::StrContains(line, needle)) return line;
    }
    if (pid_ <= 0 || waitpid(pid_, nullptr, WNOHANG) == pid_) return std::nullopt;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return std::nullopt;
}

std::optional<int> ChildProcess::Stop(int signal, absl::Duration timeout) {
  if (pid_ <= 0) return std::nullopt;
  kill(pid_, signal);
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (absl::Now() >= deadline) return std::nullopt;
    absl::SleepFor(absl::Milliseconds(10));
  }
}

int64_t ChildProcess::ResidentBytes() const {
  absl::StatusOr<ProcStat> stat = ReadProcStat(pid_);
  return stat.ok() ? stat->resident_memory_bytes : -1;
}

absl::StatusOr<StartedProcess> StartMockKafka(const std::vector<std::string>& flags,
                                              const std::string& log_prefix) {
  std::vector<std::string> argv = {RunfilePath("tools/mock_kafka/mock_kafka")};
  argv.insert(argv.end(), flags.begin(), flags.end());
  ASSIGN_OR_RETURN(ChildProcess mock, ChildProcess::Start(argv, log_prefix));
  const std::optional<std::string> line =
      mock.WaitForOutput("bootstrap=", false, absl::Seconds(30));
  if (!line.has_value()) {
    return absl::DeadlineExceededError("mock_kafka did not print its bootstrap address");
  }
  std::string bootstrap = line->substr(line->find('=') + 1);
  return StartedProcess{std::move(mock), std::move(bootstrap)};
}

absl::StatusOr<StartedProcess> StartService(const std::vector<std::string>& argv,
                                            const std::string& log_prefix,
                                            const std::string& started_event) {
  ASSIGN_OR_RETURN(ChildProcess service, ChildProcess::Start(argv, log_prefix));
  const std::optional<std::string> line =
      service.WaitForOutput(started_event, true, absl::Seconds(30));
  if (!line.has_value()) {
    return absl::DeadlineExceededError(
        absl::StrCat(argv[0], " did not start (no ", started_event, ")"));
  }
  const size_t at = line->find(" port=") + 6;
  std::string address = absl::StrCat("127.0.0.1:", line->substr(at, line->find(' ', at) - at));
  return StartedProcess{std::move(service), std::move(address)};
}

std::string TestTempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
}

std::string WriteTestTempFile(const std::string& name, const std::string& text) {
  const std::string path = TestTempPath(name);
  std::ofstream(path) << text;
  return path;
}

std::string RunfilePath(const std::string& workspace_relative) {
  const char* root = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  return absl::StrCat(root != nullptr ? root : ".", "/",
                      workspace != nullptr ? workspace : "session_ingest", "/",
                      workspace_relative);
}

}  // namespace ingest
