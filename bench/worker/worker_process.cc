#include "bench/worker/worker_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace ingest::bench_worker {
namespace {

constexpr absl::Duration kWaitStep = absl::Milliseconds(50);

}  // namespace

absl::StatusOr<std::unique_ptr<WorkerProcess>> WorkerProcess::Start(
    const std::vector<std::string>& argv, const std::string& log_path,
    const std::string& pidfile) {
  if (argv.empty()) return absl::InvalidArgumentError("no worker command");
  if (access(argv[0].c_str(), X_OK) != 0) {
    return absl::NotFoundError(absl::StrCat(argv[0], " is not an executable file"));
  }
  const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open ", log_path, ": ", std::strerror(errno)));
  }
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const pid_t parent = getpid();

  const pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    return absl::ResourceExhaustedError(absl::StrCat("fork: ", std::strerror(errno)));
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    setsid();
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);  // the benchmark died before prctl
    const int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    execv(args[0], args.data());
    _exit(127);
  }
  close(log_fd);
  auto process = std::unique_ptr<WorkerProcess>(new WorkerProcess(pid, pidfile));
  if (!pidfile.empty()) {
    std::ofstream out(pidfile, std::ios::trunc);
    out << pid << '\n' << argv[0] << '\n';
  }
  return process;
}

WorkerProcess::~WorkerProcess() {
  if (Running()) (void)Stop(absl::Seconds(10));
}

void WorkerProcess::Reaped(int wait_status) {
  exited_ = true;
  wait_status_ = wait_status;
  if (WIFEXITED(wait_status)) {
    exit_text_ = absl::StrCat("exited with status ", WEXITSTATUS(wait_status));
  } else if (WIFSIGNALED(wait_status)) {
    exit_text_ = absl::StrCat("killed by signal ", WTERMSIG(wait_status));
  } else {
    exit_text_ = "ended";
  }
  if (!pidfile_.empty()) std::remove(pidfile_.c_str());
}

bool WorkerProcess::Running() {
  if (exited_) return false;
  int wait_status = 0;
  const pid_t done = waitpid(pid_, &wait_status, WNOHANG);
  if (done == pid_) Reaped(wait_status);
  return !exited_;
}

absl::Status WorkerProcess::Stop(absl::Duration grace) {
  if (!Running()) {
    return absl::AbortedError(absl::StrCat("the worker (pid ", pid_, ") had already ", exit_text_));
  }
  kill(pid_, SIGTERM);
  const absl::Time deadline = absl::Now() + grace;
  while (Running() && absl::Now() < deadline) absl::SleepFor(kWaitStep);
  if (!exited_) {
    kill(pid_, SIGKILL);
    int wait_status = 0;
    if (waitpid(pid_, &wait_status, 0) == pid_) Reaped(wait_status);
    return absl::DeadlineExceededError(absl::StrCat(
        "the worker (pid ", pid_, ") ignored SIGTERM for ", absl::FormatDuration(grace),
        " and was killed"));
  }
  if ((WIFEXITED(wait_status_) && WEXITSTATUS(wait_status_) == 0) ||
      (WIFSIGNALED(wait_status_) && WTERMSIG(wait_status_) == SIGTERM)) {
    return absl::OkStatus();
  }
  return absl::InternalError(absl::StrCat("the worker (pid ", pid_, ") ", exit_text_,
                                          " after SIGTERM"));
}

absl::Status WorkerProcess::Kill() {
  if (!Running()) {
    return absl::AbortedError(absl::StrCat("the worker (pid ", pid_, ") had already ", exit_text_));
  }
  kill(pid_, SIGKILL);
  int wait_status = 0;
  if (waitpid(pid_, &wait_status, 0) == pid_) Reaped(wait_status);
  return absl::OkStatus();
}

}  // namespace ingest::bench_worker
