#include "bench/e2e/worker_fleet.h"

#include <signal.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "bench/common/http_get.h"
#include "bench/e2e/loopback_port.h"
#include "bench/e2e/worker_log.h"
#include "services/common/status/status_macros.h"

namespace ingest::bench_e2e {
namespace {

using ::ingest::bench::HttpGet;
using ::ingest::bench::HttpResponse;

constexpr absl::Duration kProbeTimeout = absl::Seconds(2);
constexpr absl::Duration kReadyPoll = absl::Milliseconds(100);
constexpr int kPortAttempts = 20;
constexpr int kTailLines = 8;

absl::StatusOr<std::string> ReadFrom(const std::string& path, int64_t offset) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  file.seekg(offset);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

int64_t FileSize(const std::string& path) {
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  return file ? static_cast<int64_t>(file.tellg()) : 0;
}

}  // namespace

WorkerFleet::~WorkerFleet() { StopAll(options_.stop_grace); }

std::string WorkerFleet::Name(int n) { return absl::StrCat("bench-worker-", n); }

std::string WorkerFleet::log_path(int n) const {
  return absl::StrCat(options_.log_dir, "/", Name(n), ".log");
}

absl::StatusOr<std::string> WorkerFleet::NewAddress() {
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    ASSIGN_OR_RETURN(int port, FreeLoopbackPort());
    if (used_ports_.insert(port).second) return absl::StrCat("127.0.0.1:", port);
  }
  return absl::ResourceExhaustedError("no free loopback port for a worker");
}

absl::StatusOr<WorkerFleet::Instance*> WorkerFleet::Find(int n) {
  const auto it = instances_.find(n);
  if (it == instances_.end() || !it->second.process.has_value()) {
    return absl::FailedPreconditionError(absl::StrCat(Name(n), " was never started"));
  }
  return &it->second;
}

absl::Status WorkerFleet::Launch(int n, const std::vector<std::string>& extra_flags) {
  if (Running(n)) return absl::FailedPreconditionError(absl::StrCat(Describe(n), " is running"));
  Instance instance;
  ASSIGN_OR_RETURN(std::string metrics, NewAddress());
  ASSIGN_OR_RETURN(std::string health, NewAddress());
  instance.metrics_address = metrics;
  instance.health_address = health;
  std::vector<std::string> argv = options_.command;
  argv.push_back(absl::StrCat("--metrics_address=", instance.metrics_address));
  argv.push_back(absl::StrCat("--health_address=", instance.health_address));
  argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());

  const std::string log = log_path(n);
  {
    std::ofstream out(log, std::ios::app);
    if (!out) return absl::FailedPreconditionError(absl::StrCat("cannot write ", log));
    out << "----- bench_e2e: " << Name(n) << " started at "
        << absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()) << ": "
        << absl::StrJoin(argv, " ") << "\n";
  }
  instance.log_offset = FileSize(log);
  const std::string pidfile =
      options_.pid_dir.empty() ? "" : absl::StrCat(options_.pid_dir, "/", Name(n), ".pid");
  ASSIGN_OR_RETURN(ChildProcess process,
                   ChildProcess::Start(argv, {.log_file = log,
                                              .pidfile = pidfile,
                                              .own_session = true,
                                              .parent_death_signal = SIGTERM,
                                              .destructor_grace = options_.stop_grace}));
  instance.process.emplace(std::move(process));
  instances_[n] = std::move(instance);
  return absl::OkStatus();
}

absl::Status WorkerFleet::WaitReady(int n, absl::Time deadline) {
  ASSIGN_OR_RETURN(Instance * instance, Find(n));
  for (;;) {
    if (!instance->process->Running()) {
      return absl::AbortedError(absl::StrCat(Name(n), " ", instance->process->exit_text(),
                                             " before it was ready; the end of ", log_path(n),
                                             ":\n", LogTail(n, kTailLines)));
    }
    if (Ready(n)) return absl::OkStatus();
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          Describe(n), " did not answer GET http://", instance->health_address,
          "/readyz with 200 in time; the end of ", log_path(n), ":\n", LogTail(n, kTailLines)));
    }
    absl::SleepFor(kReadyPoll);
  }
}

absl::Status WorkerFleet::Start(int n, const std::vector<std::string>& extra_flags) {
  RETURN_IF_ERROR(Launch(n, extra_flags));
  return WaitReady(n, absl::Now() + options_.ready_timeout);
}

bool WorkerFleet::Ready(int n) {
  absl::StatusOr<Instance*> instance = Find(n);
  if (!instance.ok()) return false;
  absl::StatusOr<HttpResponse> response =
      HttpGet(absl::StrCat("http://", (*instance)->health_address, "/readyz"), kProbeTimeout);
  return response.ok() && response->status == 200;
}

bool WorkerFleet::Running(int n) {
  const auto it = instances_.find(n);
  return it != instances_.end() && it->second.process.has_value() && it->second.process->Running();
}

std::vector<int> WorkerFleet::pids() {
  std::vector<int> pids;
  for (auto& [n, instance] : instances_) {
    if (Running(n)) pids.push_back(instance.process->pid());
  }
  return pids;
}

absl::Status WorkerFleet::Kill(int n) {
  ASSIGN_OR_RETURN(Instance * instance, Find(n));
  return instance->process->Kill();
}

absl::StatusOr<absl::Duration> WorkerFleet::Stop(int n, absl::Duration grace) {
  ASSIGN_OR_RETURN(Instance * instance, Find(n));
  const absl::Time start = absl::Now();
  absl::Status stopped = instance->process->Terminate(grace);
  if (!stopped.ok()) return stopped;
  return absl::Now() - start;
}

void WorkerFleet::StopAll(absl::Duration grace) {
  for (auto& [n, instance] : instances_) {
    if (Running(n)) (void)instance.process->Terminate(grace);
  }
}

absl::StatusOr<std::string> WorkerFleet::Metrics(int n) {
  ASSIGN_OR_RETURN(Instance * instance, Find(n));
  ASSIGN_OR_RETURN(
      HttpResponse response,
      HttpGet(absl::StrCat("http://", instance->metrics_address, "/metrics"), kProbeTimeout));
  if (response.status != 200) {
    return absl::UnavailableError(absl::StrCat(Name(n), " /metrics answered ", response.status));
  }
  return std::move(response.body);
}

absl::StatusOr<std::set<int32_t>> WorkerFleet::OwnedPartitions(int n) {
  ASSIGN_OR_RETURN(Instance * instance, Find(n));
  ASSIGN_OR_RETURN(std::string log, ReadFrom(log_path(n), instance->log_offset));
  return OwnedPartitionsFromLog(log);
}

std::string WorkerFleet::Describe(int n) {
  const auto it = instances_.find(n);
  if (it == instances_.end() || !it->second.process.has_value()) return Name(n);
  return absl::StrCat(Name(n), " (pid ", it->second.process->pid(), ")");
}

std::string WorkerFleet::LogTail(int n, int lines) const {
  absl::StatusOr<std::string> log = ReadFrom(log_path(n), 0);
  if (!log.ok()) return "(no log)";
  std::vector<absl::string_view> all = absl::StrSplit(*log, '\n', absl::SkipEmpty());
  const size_t from = all.size() > static_cast<size_t>(lines) ? all.size() - lines : 0;
  return absl::StrJoin(all.begin() + static_cast<std::ptrdiff_t>(from), all.end(), "\n");
}

}  // namespace ingest::bench_e2e
