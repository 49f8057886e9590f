#include "tests/testing/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/metrics/process_collector.h"
#include "services/common/status/status_macros.h"

namespace ingest {
namespace {

constexpr absl::Duration kExitPoll = absl::Milliseconds(10);
constexpr absl::Duration kOutputPoll = absl::Milliseconds(20);

// open(2), close-on-exec (the child gets its descriptors by dup2 only).
absl::StatusOr<int> OpenFile(const std::string& path, int flags) {
  const int fd = open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("cannot open ", path));
  return fd;
}

// Replaces the content of `path` with `text` (a few bytes: one write).
absl::Status WriteSmallFile(const std::string& path, const std::string& text) {
  ASSIGN_OR_RETURN(const int fd, OpenFile(path, O_WRONLY | O_CREAT | O_TRUNC));
  const bool written = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const int write_errno = errno;
  const bool closed = close(fd) == 0;
  if (!written || !closed) {
    return absl::ErrnoToStatus(written ? errno : write_errno, absl::StrCat("cannot write ", path));
  }
  return absl::OkStatus();
}

// In the forked child: `fd` as descriptor `target`, kept across exec.
// Async-signal-safe.
bool Redirect(int fd, int target) {
  if (fd == target) return fcntl(fd, F_SETFD, 0) == 0;
  return dup2(fd, target) == target;
}

}  // namespace

absl::StatusOr<ChildProcess> ChildProcess::Start(const std::vector<std::string>& argv,
                                                 const std::string& log_prefix) {
  return Start(argv, Options{.log_prefix = log_prefix});
}

absl::StatusOr<ChildProcess> ChildProcess::Start(const std::vector<std::string>& argv,
                                                 const Options& options) {
  if (argv.empty()) return absl::InvalidArgumentError("no command to start");
  if (options.log_prefix.empty() == options.log_file.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("starting ", argv[0], ": set exactly one of log_prefix and log_file"));
  }

  // Every descriptor the child gets, close-on-exec here, closed by the
  // parent once the child has them.
  std::vector<int> fds;
  absl::Cleanup close_fds = [&fds] {
    for (const int fd : fds) close(fd);
  };
  ASSIGN_OR_RETURN(const int null_fd, OpenFile("/dev/null", O_RDONLY));
  fds.push_back(null_fd);
  int out_fd = -1;
  int err_fd = -1;
  int64_t log_offset = 0;
  if (!options.log_file.empty()) {
    ASSIGN_OR_RETURN(out_fd, OpenFile(options.log_file, O_WRONLY | O_CREAT | O_APPEND));
    fds.push_back(out_fd);
    err_fd = out_fd;
    struct stat log_stat;
    if (fstat(out_fd, &log_stat) == 0) log_offset = log_stat.st_size;
  } else {
    ASSIGN_OR_RETURN(out_fd, OpenFile(options.log_prefix + ".out", O_WRONLY | O_CREAT | O_TRUNC));
    fds.push_back(out_fd);
    ASSIGN_OR_RETURN(err_fd, OpenFile(options.log_prefix + ".err", O_WRONLY | O_CREAT | O_TRUNC));
    fds.push_back(err_fd);
  }
  // The child writes exec's errno here if exec fails; end of file (the
  // close-on-exec write end closed by a successful exec) means it started.
  int exec_error_pipe[2];
  if (pipe2(exec_error_pipe, O_CLOEXEC) != 0) return absl::ErrnoToStatus(errno, "pipe2");
  fds.push_back(exec_error_pipe[0]);
  fds.push_back(exec_error_pipe[1]);

  // Everything the child needs, prepared before fork: between fork and exec
  // it may only make async-signal-safe calls (no allocation).
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  sigset_t no_signals;
  sigemptyset(&no_signals);
  const pid_t parent = getpid();

  const pid_t pid = fork();
  if (pid < 0) return absl::ErrnoToStatus(errno, absl::StrCat("cannot start ", argv[0], ": fork"));
  if (pid == 0) {
    if (options.own_session) setsid();
    if (options.parent_death_signal != 0) {
      prctl(PR_SET_PDEATHSIG, options.parent_death_signal);
      if (getppid() != parent) _exit(127);  // the parent died before prctl
    }
    sigprocmask(SIG_SETMASK, &no_signals, nullptr);
    if (Redirect(null_fd, 0) && Redirect(out_fd, 1) && Redirect(err_fd, 2)) {
      execv(args[0], args.data());
    }
    const int error = errno;
    (void)!write(exec_error_pipe[1], &error, sizeof(error));
    _exit(127);
  }

  ChildProcess process;
  process.pid_ = pid;
  process.exited_ = false;  // from here on its destructor SIGKILLs it
  process.name_ = argv[0].substr(argv[0].rfind('/') + 1);
  close(exec_error_pipe[1]);
  fds.pop_back();
  int exec_error = 0;
  ssize_t got;
  do {
    got = read(exec_error_pipe[0], &exec_error, sizeof(exec_error));
  } while (got < 0 && errno == EINTR);
  if (got == static_cast<ssize_t>(sizeof(exec_error))) {
    process.Reap(/*block=*/true);
    return absl::ErrnoToStatus(exec_error, absl::StrCat("cannot start ", argv[0]));
  }

  if (!options.pidfile.empty()) {
    if (absl::Status written =
            WriteSmallFile(options.pidfile, absl::StrCat(pid, "\n", argv[0], "\n"));
        !written.ok()) {
      (void)process.Kill();
      return written;
    }
    process.pidfile_ = options.pidfile;
  }
  process.log_prefix_ = options.log_prefix;
  process.log_file_ = options.log_file;
  process.log_offset_ = log_offset;
  process.destructor_grace_ = options.destructor_grace;
  return process;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept { *this = std::move(other); }

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this == &other) return *this;
  StopForDestruction();
  pid_ = std::exchange(other.pid_, -1);
  name_ = std::move(other.name_);
  log_prefix_ = std::move(other.log_prefix_);
  log_file_ = std::move(other.log_file_);
  log_offset_ = other.log_offset_;
  pidfile_ = std::move(other.pidfile_);
  other.pidfile_.clear();  // its process's pidfile is this object's to remove now
  destructor_grace_ = other.destructor_grace_;
  exited_ = std::exchange(other.exited_, true);
  wait_status_ = std::exchange(other.wait_status_, std::nullopt);
  exit_text_ = std::move(other.exit_text_);
  return *this;
}

ChildProcess::~ChildProcess() { StopForDestruction(); }

void ChildProcess::StopForDestruction() {
  if (!Running()) return;
  if (destructor_grace_ > absl::ZeroDuration()) {
    (void)Terminate(destructor_grace_);
  } else {
    (void)Kill();
  }
}

std::string ChildProcess::Describe() const { return absl::StrCat(name_, " (pid ", pid_, ")"); }

bool ChildProcess::Reap(bool block) {
  if (exited_) return true;
  int status = 0;
  pid_t done;
  do {
    done = waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (done < 0 && errno == EINTR);
  if (done == 0) return false;
  exited_ = true;
  if (done != pid_) {
    // ECHILD: someone else reaped it (SIGCHLD ignored?); the status is lost.
    exit_text_ = absl::StrCat("ended (waitpid: ", std::strerror(errno), ")");
  } else if (WIFEXITED(status)) {
    wait_status_ = status;
    exit_text_ = absl::StrCat("exited with status ", WEXITSTATUS(status));
  } else if (WIFSIGNALED(status)) {
    wait_status_ = status;
    exit_text_ = absl::StrCat("killed by signal ", WTERMSIG(status));
  } else {
    wait_status_ = status;
    exit_text_ = "ended";
  }
  if (!pidfile_.empty()) unlink(pidfile_.c_str());
  return true;
}

bool ChildProcess::Running() { return !Reap(/*block=*/false); }

bool ChildProcess::WaitForExit(absl::Time deadline) {
  while (!Reap(/*block=*/false)) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(kExitPoll);
  }
  return true;
}

std::optional<std::string> ChildProcess::WaitForOutput(const std::string& needle, bool from_stderr,
                                                       absl::Duration timeout) {
  if (pid_ < 0) return std::nullopt;
  const std::string path =
      log_file_.empty() ? log_prefix_ + (from_stderr ? ".err" : ".out") : log_file_;
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    // Whether it had exited before this read: if so, the read saw all it wrote.
    const bool ended = !Running();
    std::ifstream file(path);
    file.seekg(log_offset_);
    std::string line;
    while (std::getline(file, line)) {
      // A last line without its newline may still be being written.
      const bool whole = !file.eof() || ended;
      if (whole && absl::StrContains(line, needle)) return line;
    }
    if (ended || absl::Now() >= deadline) return std::nullopt;
    absl::SleepFor(kOutputPoll);
  }
}

std::optional<int> ChildProcess::Stop(int signal, absl::Duration timeout) {
  if (Running()) {
    kill(pid_, signal);
    if (!WaitForExit(absl::Now() + timeout)) return std::nullopt;
  }
  if (!wait_status_.has_value()) return std::nullopt;
  if (WIFEXITED(*wait_status_)) return WEXITSTATUS(*wait_status_);
  if (WIFSIGNALED(*wait_status_)) return 128 + WTERMSIG(*wait_status_);
  return std::nullopt;
}

absl::Status ChildProcess::Terminate(absl::Duration grace) {
  if (pid_ < 0) return absl::FailedPreconditionError("no process (moved from)");
  if (!Running()) return absl::AbortedError(absl::StrCat(Describe(), " had already ", exit_text_));
  kill(pid_, SIGTERM);
  if (!WaitForExit(absl::Now() + grace)) {
    kill(pid_, SIGKILL);
    Reap(/*block=*/true);
    return absl::DeadlineExceededError(absl::StrCat(
        Describe(), " ignored SIGTERM for ", absl::FormatDuration(grace), " and was killed"));
  }
  const int status = wait_status_.value_or(-1);
  if (wait_status_.has_value() && ((WIFEXITED(status) && WEXITSTATUS(status) == 0) ||
                                   (WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM))) {
    return absl::OkStatus();
  }
  return absl::InternalError(absl::StrCat(Describe(), " ", exit_text_, " after SIGTERM"));
}

absl::Status ChildProcess::Kill() {
  if (pid_ < 0) return absl::FailedPreconditionError("no process (moved from)");
  if (!Running()) return absl::AbortedError(absl::StrCat(Describe(), " had already ", exit_text_));
  kill(pid_, SIGKILL);
  Reap(/*block=*/true);
  return absl::OkStatus();
}

int64_t ChildProcess::ResidentBytes() const {
  if (pid_ < 0) return -1;
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
