#include "services/common/metrics/process_collector.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "prometheus/client_metric.h"

namespace ingest {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::UnavailableError(absl::StrCat("cannot read ", path));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Seconds since the epoch at which the machine booted (/proc/stat btime).
absl::StatusOr<int64_t> BootTime() {
  absl::StatusOr<std::string> stat = ReadFile("/proc/stat");
  if (!stat.ok()) return stat.status();
  for (absl::string_view line : absl::StrSplit(*stat, '\n')) {
    if (!absl::ConsumePrefix(&line, "btime ")) continue;
    int64_t seconds = 0;
    if (absl::SimpleAtoi(line, &seconds)) return seconds;
  }
  return absl::InternalError("/proc/stat has no btime line");
}

absl::StatusOr<int64_t> CountOpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return absl::UnavailableError("cannot list /proc/self/fd");
  int64_t count = 0;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count - 1;  // the descriptor opendir() itself holds
}

prometheus::MetricFamily Family(const char* name, const char* help, prometheus::MetricType type,
                                double value) {
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  return {name, help, type, {metric}};
}

}  // namespace

absl::StatusOr<ProcStat> ParseProcStat(absl::string_view text) {
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so the
  // fields are counted from the last ')'. After it, field 3 (state) is
  // fields[0]; ppid is field 4, utime 14, stime 15, starttime 22, vsize 23,
  // rss 24.
  const size_t close = text.rfind(')');
  if (close == absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat("not a /proc/<pid>/stat text: ", text));
  }
  const std::vector<absl::string_view> fields =
      absl::StrSplit(text.substr(close + 1), ' ', absl::SkipEmpty());
  const auto field = [&fields](int number, auto* out) {
    const size_t index = static_cast<size_t>(number - 3);
    return index < fields.size() && absl::SimpleAtoi(fields[index], out);
  };
  ProcStat stat;
  int64_t utime = 0, stime = 0, rss_pages = 0;
  if (!field(4, &stat.parent_pid) || !field(14, &utime) || !field(15, &stime) ||
      !field(22, &stat.start_ticks) || !field(23, &stat.virtual_memory_bytes) ||
      !field(24, &rss_pages)) {
    return absl::InvalidArgumentError(absl::StrCat("not a /proc/<pid>/stat text: ", text));
  }
  stat.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  stat.resident_memory_bytes = rss_pages * sysconf(_SC_PAGESIZE);
  return stat;
}

absl::StatusOr<ProcStat> ReadProcStat(int pid) {
  const std::string path = pid == 0 ? "/proc/self/stat" : absl::StrCat("/proc/", pid, "/stat");
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  absl::StatusOr<ProcStat> stat = ParseProcStat(*text);
  if (!stat.ok()) return absl::InternalError(absl::StrCat(path, ": ", stat.status().message()));
  return stat;
}

absl::StatusOr<ProcessStats> ReadProcessStats() {
  absl::StatusOr<ProcStat> stat = ReadProcStat(0);
  if (!stat.ok()) return stat.status();
  // The boot time never changes: /proc/stat is read once, not on every scrape.
  static const absl::StatusOr<int64_t> boot = BootTime();
  if (!boot.ok()) return boot.status();
  absl::StatusOr<int64_t> open_fds = CountOpenFds();
  if (!open_fds.ok()) return open_fds.status();

  ProcessStats stats;
  stats.cpu_seconds = stat->cpu_seconds;
  stats.resident_memory_bytes = stat->resident_memory_bytes;
  stats.virtual_memory_bytes = stat->virtual_memory_bytes;
  stats.open_fds = *open_fds;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    stats.max_fds = limit.rlim_cur == RLIM_INFINITY ? -1 : static_cast<int64_t>(limit.rlim_cur);
  }
  stats.start_time_seconds =
      static_cast<double>(*boot) +
      static_cast<double>(stat->start_ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
  return stats;
}

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  absl::StatusOr<ProcessStats> stats = ReadProcessStats();
  if (!stats.ok()) return {};
  using prometheus::MetricType;
  return {
      Family("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
             MetricType::Counter, stats->cpu_seconds),
      Family("process_resident_memory_bytes", "Resident memory size in bytes.", MetricType::Gauge,
             static_cast<double>(stats->resident_memory_bytes)),
      Family("process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType::Gauge,
             static_cast<double>(stats->virtual_memory_bytes)),
      Family("process_open_fds", "Number of open file descriptors.", MetricType::Gauge,
             static_cast<double>(stats->open_fds)),
      Family("process_max_fds", "Maximum number of open file descriptors.", MetricType::Gauge,
             static_cast<double>(stats->max_fds)),
      Family("process_start_time_seconds",
             "Start time of the process since unix epoch in seconds.", MetricType::Gauge,
             stats->start_time_seconds),
  };
}

}  // namespace ingest
