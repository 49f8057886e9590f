// ChildProcess against /bin/sh children: output and exit codes, the
// benchmark's options (one appended log, pid file, own session, parent-death
// signal), and Stop/Terminate/Kill/Running. Waits poll with deadlines.

#include "tests/testing/child_process.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/testing/polling.h"

namespace ingest {
namespace {

constexpr absl::Duration kWait = absl::Seconds(20);

// Traps SIGTERM (running `on_term`), prints "ready" once the trap is set,
// then idles in short sleeps (a SIGKILL leaves no long-lived grandchild).
std::string TrapTerm(const std::string& on_term) {
  return absl::StrCat("trap '", on_term, "' TERM; echo ready; while :; do sleep 0.1; done");
}

absl::StatusOr<ChildProcess> Sh(const std::string& script, const ChildProcess::Options& options) {
  return ChildProcess::Start({"/bin/sh", "-c", script}, options);
}

ChildProcess::Options LogTo(const std::string& name) {
  return {.log_file = TestTempPath(name + ".log")};
}

std::string Contents(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

bool Exists(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0;
}

bool Gone(pid_t pid) { return kill(pid, 0) != 0 && errno == ESRCH; }

TEST(ChildProcessTest, SeparateLogsAndTheExitCode) {
  absl::StatusOr<ChildProcess> child = ChildProcess::Start(
      {"/bin/sh", "-c", "echo to-out; echo to-err >&2; exit 3"}, TestTempPath("separate"));
  ASSERT_TRUE(child.ok()) << child.status();
  EXPECT_EQ(child->WaitForOutput("to-out", false, kWait), "to-out");
  EXPECT_EQ(child->WaitForOutput("to-err", true, kWait), "to-err");
  const absl::Time start = absl::Now();
  EXPECT_EQ(child->WaitForOutput("never printed", false, kWait), std::nullopt);
  EXPECT_LT(absl::Now() - start, kWait) << "did not notice the exit";
  // Already exited: not signalled, its own exit code.
  EXPECT_EQ(child->Stop(SIGKILL, kWait), 3);
  EXPECT_EQ(child->exit_text(), "exited with status 3");
  EXPECT_EQ(Contents(TestTempPath("separate.out")), "to-out\n");
  EXPECT_EQ(Contents(TestTempPath("separate.err")), "to-err\n");
}

TEST(ChildProcessTest, StopReturnsTheKillingSignalPlus128) {
  absl::StatusOr<ChildProcess> child = Sh("exec sleep 600", LogTo("stop"));
  ASSERT_TRUE(child.ok()) << child.status();
  EXPECT_TRUE(child->Running());
  // (Zero while sh execs sleep.)
  EXPECT_TRUE(WaitUntil(
      kWait, [&] { return child->ResidentBytes() > 0; }, absl::Milliseconds(10)));
  EXPECT_EQ(child->Stop(SIGKILL, kWait), 128 + SIGKILL);
  EXPECT_FALSE(child->Running());
  EXPECT_EQ(child->exit_text(), "killed by signal 9");
}

TEST(ChildProcessTest, StdinIsDevNull) {
  absl::StatusOr<ChildProcess> child = Sh("readlink /proc/$$/fd/0", LogTo("stdin"));
  ASSERT_TRUE(child.ok()) << child.status();
  EXPECT_EQ(child->WaitForOutput("/", false, kWait), "/dev/null");
}

TEST(ChildProcessTest, OneLogFileIsAppendedToAndWaitForOutputReadsThisStartOnly) {
  const ChildProcess::Options options = LogTo("append");
  std::ofstream(options.log_file) << "earlier ready\n";

  absl::StatusOr<ChildProcess> first = Sh("echo first-out; echo first-err >&2", options);
  ASSERT_TRUE(first.ok()) << first.status();
  // Both streams, whichever is asked for; not the line from before the start.
  EXPECT_EQ(first->WaitForOutput("first-err", false, kWait), "first-err");
  EXPECT_EQ(first->WaitForOutput("ready", true, kWait), std::nullopt);
  EXPECT_EQ(first->Stop(SIGKILL, kWait), 0);

  absl::StatusOr<ChildProcess> second = Sh("echo second ready", options);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->WaitForOutput("ready", false, kWait), "second ready");
  EXPECT_EQ(second->Stop(SIGKILL, kWait), 0);
  EXPECT_EQ(Contents(options.log_file), "earlier ready\nfirst-out\nfirst-err\nsecond ready\n");
}

TEST(ChildProcessTest, WaitForOutputSkipsALineStillBeingWritten) {
  absl::StatusOr<ChildProcess> child = Sh("printf partial; exec sleep 600", LogTo("partial"));
  ASSERT_TRUE(child.ok()) << child.status();
  EXPECT_EQ(child->WaitForOutput("partial", false, absl::Milliseconds(300)), std::nullopt);
  ASSERT_TRUE(child->Kill().ok());
  EXPECT_EQ(child->WaitForOutput("partial", false, kWait), "partial");  // it ended: whole
}

TEST(ChildProcessTest, PidfileHoldsPidAndCommandUntilReaped) {
  ChildProcess::Options options = LogTo("pidfile");
  options.pidfile = TestTempPath("pidfile.pid");
  absl::StatusOr<ChildProcess> child = Sh("exec sleep 600", options);
  ASSERT_TRUE(child.ok()) << child.status();
  EXPECT_EQ(Contents(options.pidfile), absl::StrCat(child->pid(), "\n/bin/sh\n"));
  // Killed by the SIGTERM itself: a clean stop.
  EXPECT_TRUE(child->Terminate(kWait).ok());
  EXPECT_EQ(child->exit_text(), "killed by signal 15");
  EXPECT_FALSE(Exists(options.pidfile));

  // Also when it exits by itself and Running() reaps it.
  absl::StatusOr<ChildProcess> quick = Sh("exit 0", options);
  ASSERT_TRUE(quick.ok()) << quick.status();
  EXPECT_TRUE(WaitUntil(
      kWait, [&] { return !quick->Running(); }, absl::Milliseconds(10)));
  EXPECT_FALSE(Exists(options.pidfile));
}

TEST(ChildProcessTest, TerminateIsCleanForExitZero) {
  absl::StatusOr<ChildProcess> child = Sh(TrapTerm("exit 0"), LogTo("term_zero"));
  ASSERT_TRUE(child.ok()) << child.status();
  ASSERT_TRUE(child->WaitForOutput("ready", false, kWait).has_value());
  EXPECT_TRUE(child->Terminate(kWait).ok());
  EXPECT_EQ(child->exit_text(), "exited with status 0");
}

TEST(ChildProcessTest, TerminateDescribesAnyOtherExit) {
  absl::StatusOr<ChildProcess> child = Sh(TrapTerm("exit 3"), LogTo("term_three"));
  ASSERT_TRUE(child.ok()) << child.status();
  ASSERT_TRUE(child->WaitForOutput("ready", false, kWait).has_value());
  const absl::Status stopped = child->Terminate(kWait);
  EXPECT_EQ(stopped.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(stopped.message(),
            absl::StrCat("sh (pid ", child->pid(), ") exited with status 3 after SIGTERM"));
}

TEST(ChildProcessTest, TerminateKillsAfterTheGrace) {
  // An ignored signal stays ignored across exec.
  absl::StatusOr<ChildProcess> child =
      Sh("trap '' TERM; echo ready; exec sleep 600", LogTo("term_ignored"));
  ASSERT_TRUE(child.ok()) << child.status();
  ASSERT_TRUE(child->WaitForOutput("ready", false, kWait).has_value());
  const absl::Status stopped = child->Terminate(absl::Milliseconds(200));
  EXPECT_EQ(stopped.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(stopped.message(),
            absl::StrCat("sh (pid ", child->pid(), ") ignored SIGTERM for 200ms and was killed"));
  EXPECT_FALSE(child->Running());
  EXPECT_EQ(child->exit_text(), "killed by signal 9");
}

TEST(ChildProcessTest, KillReapsAndBothAreErrorsOnceItExited) {
  absl::StatusOr<ChildProcess> child = Sh("exec sleep 600", LogTo("kill"));
  ASSERT_TRUE(child.ok()) << child.status();
  EXPECT_TRUE(child->Kill().ok());
  EXPECT_FALSE(child->Running());
  EXPECT_EQ(child->exit_text(), "killed by signal 9");

  absl::StatusOr<ChildProcess> exited = Sh("exit 5", LogTo("kill_exited"));
  ASSERT_TRUE(exited.ok()) << exited.status();
  ASSERT_TRUE(WaitUntil(
      kWait, [&] { return !exited->Running(); }, absl::Milliseconds(10)));
  const std::string already =
      absl::StrCat("sh (pid ", exited->pid(), ") had already exited with status 5");
  const absl::Status killed = exited->Kill();
  EXPECT_EQ(killed.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(killed.message(), already);
  const absl::Status terminated = exited->Terminate(kWait);
  EXPECT_EQ(terminated.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(terminated.message(), already);
}

TEST(ChildProcessTest, OwnSession) {
  absl::StatusOr<ChildProcess> shared = Sh("exec sleep 600", LogTo("session_shared"));
  ASSERT_TRUE(shared.ok()) << shared.status();
  EXPECT_EQ(getsid(shared->pid()), getsid(0));

  ChildProcess::Options options = LogTo("session_own");
  options.own_session = true;
  absl::StatusOr<ChildProcess> own = Sh("exec sleep 600", options);
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_EQ(getsid(own->pid()), own->pid());
}

TEST(ChildProcessTest, ParentDeathSignalComesWhenTheStartingThreadEnds) {
  ChildProcess::Options options = LogTo("parent_death");
  options.parent_death_signal = SIGTERM;
  std::optional<absl::StatusOr<ChildProcess>> child;
  std::thread starter([&] { child.emplace(Sh("exec sleep 600", options)); });
  starter.join();
  ASSERT_TRUE(child->ok()) << child->status();
  ChildProcess& process = **child;
  EXPECT_TRUE(WaitUntil(
      kWait, [&] { return !process.Running(); }, absl::Milliseconds(10)));
  EXPECT_EQ(process.exit_text(), "killed by signal 15");
}

TEST(ChildProcessTest, DestructorKillsByDefaultOrTerminatesWithAGrace) {
  const ChildProcess::Options killed_options = LogTo("destroy_kill");
  pid_t killed_pid = -1;
  {
    absl::StatusOr<ChildProcess> child = Sh(TrapTerm("echo got-term; exit 0"), killed_options);
    ASSERT_TRUE(child.ok()) << child.status();
    ASSERT_TRUE(child->WaitForOutput("ready", false, kWait).has_value());
    killed_pid = child->pid();
  }
  EXPECT_TRUE(Gone(killed_pid)) << "not reaped";
  EXPECT_EQ(Contents(killed_options.log_file), "ready\n");

  ChildProcess::Options graceful_options = LogTo("destroy_term");
  graceful_options.destructor_grace = kWait;
  {
    absl::StatusOr<ChildProcess> child = Sh(TrapTerm("echo got-term; exit 0"), graceful_options);
    ASSERT_TRUE(child.ok()) << child.status();
    ASSERT_TRUE(child->WaitForOutput("ready", false, kWait).has_value());
  }
  EXPECT_EQ(Contents(graceful_options.log_file), "ready\ngot-term\n");
}

TEST(ChildProcessTest, MovingHandsOverTheProcess) {
  absl::StatusOr<ChildProcess> started = Sh("exec sleep 600", LogTo("move_a"));
  ASSERT_TRUE(started.ok()) << started.status();
  ChildProcess a = *std::move(started);
  EXPECT_FALSE(started->Running());  // moved from: empty
  EXPECT_EQ(started->Kill().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(a.Running());

  absl::StatusOr<ChildProcess> other = Sh("exec sleep 600", LogTo("move_b"));
  ASSERT_TRUE(other.ok()) << other.status();
  const pid_t replaced = a.pid();
  a = *std::move(other);  // stops a's process as its destructor would
  EXPECT_TRUE(Gone(replaced));
  EXPECT_TRUE(a.Running());
  EXPECT_TRUE(a.Kill().ok());
}

TEST(ChildProcessTest, StartErrors) {
  const ChildProcess::Options log = LogTo("errors");
  EXPECT_EQ(ChildProcess::Start({}, log).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ChildProcess::Start({"/bin/true"}, ChildProcess::Options{}).status().code(),
            absl::StatusCode::kInvalidArgument);
  ChildProcess::Options both = log;
  both.log_prefix = TestTempPath("errors");
  EXPECT_EQ(ChildProcess::Start({"/bin/true"}, both).status().code(),
            absl::StatusCode::kInvalidArgument);

  ChildProcess::Options with_pidfile = log;
  with_pidfile.pidfile = TestTempPath("errors.pid");
  const absl::Status missing = ChildProcess::Start({"/no/such/binary"}, with_pidfile).status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound) << missing;
  EXPECT_TRUE(absl::StrContains(missing.message(), "/no/such/binary")) << missing;
  EXPECT_FALSE(Exists(with_pidfile.pidfile));

  const std::string not_executable = WriteTestTempFile("not_executable", "text\n");
  EXPECT_EQ(ChildProcess::Start({not_executable}, log).status().code(),
            absl::StatusCode::kPermissionDenied);

  const absl::Status no_log_dir =
      ChildProcess::Start({"/bin/true"}, LogTo("no/such/dir/errors")).status();
  EXPECT_EQ(no_log_dir.code(), absl::StatusCode::kNotFound) << no_log_dir;

  ChildProcess::Options no_pid_dir = log;
  no_pid_dir.pidfile = TestTempPath("no/such/dir/errors.pid");
  const absl::Status unwritable = ChildProcess::Start({"/bin/true"}, no_pid_dir).status();
  EXPECT_EQ(unwritable.code(), absl::StatusCode::kNotFound) << unwritable;
}

}  // namespace
}  // namespace ingest
