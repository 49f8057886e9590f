#include "bench/common/process_usage.h"

#include <dirent.h>

#include <algorithm>
#include <array>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "services/common/metrics/process_collector.h"

namespace ingest::bench {
namespace {

constexpr int kIdleReadings = 5;
constexpr absl::Duration kIdleGap = absl::Milliseconds(100);
constexpr absl::Duration kRelistPostgres = absl::Milliseconds(500);

// Every value of a reading.
constexpr std::array<int64_t RssReading::*, 6> kValues = {
    &RssReading::client, &RssReading::gateway,      &RssReading::worker,
    &RssReading::kafka,  &RssReading::postgres_max, &RssReading::postgres_sum};

int64_t Rss(int pid) {
  if (pid <= 0) return -1;
  const absl::StatusOr<ProcStat> stat = ReadProcStat(pid);
  return stat.ok() ? stat->resident_memory_bytes : -1;
}

int64_t Median(std::vector<int64_t> values) {
  if (values.empty()) return -1;
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

std::vector<int> ProcessAndChildren(int root) {
  std::vector<int> pids;
  if (root <= 0 || !ReadProcStat(root).ok()) return pids;
  pids.push_back(root);
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return pids;
  while (const dirent* entry = readdir(proc)) {
    int pid = 0;
    if (!absl::SimpleAtoi(entry->d_name, &pid) || pid == root) continue;
    const absl::StatusOr<ProcStat> stat = ReadProcStat(pid);  // fails if it exited meanwhile
    if (stat.ok() && stat->parent_pid == root) pids.push_back(pid);
  }
  closedir(proc);
  std::sort(pids.begin() + 1, pids.end());
  return pids;
}

CpuReading ReadCpu(const std::vector<std::vector<int>>& groups) {
  CpuReading reading{.at = absl::Now()};
  for (const std::vector<int>& pids : groups) {
    CpuByPid& cpu = reading.groups.emplace_back();
    for (const int pid : pids) {
      if (pid <= 0) continue;
      const absl::StatusOr<ProcStat> stat = ReadProcStat(pid);
      if (stat.ok()) cpu[pid] = absl::Seconds(stat->cpu_seconds);
    }
  }
  return reading;
}

absl::Duration CpuUsed(const CpuByPid& before, const CpuByPid& after) {
  absl::Duration used;
  for (const auto& [pid, total] : after) {
    const auto it = before.find(pid);
    used += total - (it == before.end() ? absl::ZeroDuration() : it->second);
  }
  return used;
}

double CoresUsed(const CpuByPid& before, const CpuByPid& after, absl::Duration wall) {
  if (after.empty() || wall <= absl::ZeroDuration()) return -1;
  return absl::FDivDuration(CpuUsed(before, after), wall);
}

std::vector<double> CoresBetween(const CpuReading& start, const CpuReading& end) {
  std::vector<double> cores;
  for (size_t i = 0; i < end.groups.size(); ++i) {
    cores.push_back(i < start.groups.size()
                        ? CoresUsed(start.groups[i], end.groups[i], end.at - start.at)
                        : -1);
  }
  return cores;
}

RssReading ReadRss(const RssRoles& roles, const std::vector<int>& postgres_pids) {
  RssReading reading{.client = Rss(roles.client),
                     .gateway = Rss(roles.gateway),
                     .worker = Rss(roles.worker),
                     .kafka = Rss(roles.kafka)};
  if (roles.postgres <= 0) return reading;
  for (const int pid : postgres_pids) {
    const int64_t bytes = Rss(pid);
    if (bytes < 0) continue;
    reading.postgres_max = std::max(reading.postgres_max, bytes);
    reading.postgres_sum = std::max<int64_t>(reading.postgres_sum, 0) + bytes;
  }
  return reading;
}

RssReading MedianRss(std::vector<RssReading> readings) {
  RssReading median;
  for (const auto member : kValues) {
    std::vector<int64_t> values;
    for (const RssReading& reading : readings) {
      if (reading.*member >= 0) values.push_back(reading.*member);
    }
    median.*member = Median(std::move(values));
  }
  return median;
}

RssReading ReadIdleRss(const RssRoles& roles) {
  const std::vector<int> postgres_pids = ProcessAndChildren(roles.postgres);
  std::vector<RssReading> readings;
  for (int i = 0; i < kIdleReadings; ++i) {
    if (i > 0) absl::SleepFor(kIdleGap);
    readings.push_back(ReadRss(roles, postgres_pids));
  }
  return MedianRss(std::move(readings));
}

RssSampler::RssSampler(RssRoles roles, absl::Duration interval) : roles_(roles) {
  Sample();
  thread_.emplace(interval, [this] { Sample(); });
}

void RssSampler::Stop() {
  if (!thread_.has_value()) return;
  thread_->Stop();
  thread_.reset();
  Sample();
}

void RssSampler::Sample() {
  if (roles_.postgres > 0 && absl::Now() - postgres_listed_ >= kRelistPostgres) {
    postgres_pids_ = ProcessAndChildren(roles_.postgres);
    postgres_listed_ = absl::Now();
  }
  const RssReading reading = ReadRss(roles_, postgres_pids_);
  absl::MutexLock lock(&mu_);
  for (const auto member : kValues) peaks_.*member = std::max(peaks_.*member, reading.*member);
  ++samples_;
}

RssReading RssSampler::peaks() const {
  absl::MutexLock lock(&mu_);
  return peaks_;
}

int64_t RssSampler::samples() const {
  absl::MutexLock lock(&mu_);
  return samples_;
}

}  // namespace ingest::bench
