#include "client/cpp/testing/process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstdlib>
#include <cstring>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

extern char** environ;

namespace ingest::client::testing {

absl::StatusOr<Process> Process::Start(const std::vector<std::string>& argv,
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
  return Process(pid, log_prefix);
}

Process::Process(Process&& other) noexcept
    : pid_(other.pid_), log_prefix_(std::move(other.log_prefix_)) {
  other.pid_ = -1;
}

Process::~Process() {
  if (pid_ > 0) Stop(SIGKILL, absl::Seconds(10));
}

std::optional<std::string> Process::WaitForLine(const std::string& needle, bool from_stderr,
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

std::optional<int> Process::Stop(int signal, absl::Duration timeout) {
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

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name);
}

std::string Runfile(const std::string& workspace_relative) {
  const char* root = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  return absl::StrCat(root != nullptr ? root : ".", "/",
                      workspace != nullptr ? workspace : "session_ingest", "/",
                      workspace_relative);
}

}  // namespace ingest::client::testing
