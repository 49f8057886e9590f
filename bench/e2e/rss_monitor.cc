#include "bench/e2e/rss_monitor.h"

#include <algorithm>
#include <array>

#include "absl/time/clock.h"
#include "bench/common/rss.h"

namespace ingest::bench_e2e {
namespace {

constexpr absl::Duration kRelistPostgres = absl::Milliseconds(500);

// Every value of a reading.
constexpr std::array<int64_t RssReading::*, 6> kValues = {
    &RssReading::client, &RssReading::gateway,      &RssReading::worker,
    &RssReading::kafka,  &RssReading::postgres_max, &RssReading::postgres_sum};

int64_t Rss(int pid) {
  if (pid <= 0) return -1;
  absl::StatusOr<int64_t> rss = bench::ReadVmRssBytes(pid);
  return rss.ok() ? *rss : -1;
}

int64_t Median(std::vector<int64_t> values) {
  if (values.empty()) return -1;
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

RssReading ReadRss(const RssRoles& roles, const std::vector<int>& postgres_pids) {
  RssReading reading{.client = Rss(roles.client),
                     .gateway = Rss(roles.gateway),
                     .worker = Rss(roles.worker),
                     .kafka = Rss(roles.kafka)};
  if (roles.postgres > 0) {
    std::vector<int64_t> rss;
    for (const int pid : postgres_pids) {
      const int64_t bytes = Rss(pid);
      if (bytes >= 0) rss.push_back(bytes);
    }
    if (!rss.empty()) {
      const RssTotals totals = AddUpRss(rss);
      reading.postgres_max = totals.max_bytes;
      reading.postgres_sum = totals.sum_bytes;
    }
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

RssMonitor::RssMonitor(RssRoles roles, absl::Duration interval) : roles_(roles) {
  Sample();
  thread_.emplace(interval, [this] { Sample(); });
}

void RssMonitor::Stop() {
  if (!thread_.has_value()) return;
  thread_->Stop();
  thread_.reset();
  Sample();
}

void RssMonitor::Sample() {
  if (roles_.postgres > 0 && absl::Now() - postgres_listed_ >= kRelistPostgres) {
    postgres_pids_ = ProcessAndChildren(roles_.postgres);
    postgres_listed_ = absl::Now();
  }
  const RssReading reading = ReadRss(roles_, postgres_pids_);
  absl::MutexLock lock(&mu_);
  for (const auto member : kValues) peaks_.*member = std::max(peaks_.*member, reading.*member);
  ++samples_;
}

RssReading RssMonitor::peaks() const {
  absl::MutexLock lock(&mu_);
  return peaks_;
}

int64_t RssMonitor::samples() const {
  absl::MutexLock lock(&mu_);
  return samples_;
}

}  // namespace ingest::bench_e2e
