#pragma once

// Resident memory (VmRSS) of every process of a run, sampled together on one
// thread: this client, the gateway, a worker, the broker, and PostgreSQL (the
// postmaster and its backends, whose list is refreshed every 500 ms).
//
// Threads: construction, Stop and the readers on the owner's thread; the
// sampling thread.

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "bench/e2e/process_tree.h"
#include "services/common/threading/periodic_thread.h"

namespace ingest::bench_e2e {

// The processes watched; 0 = not watched.
struct RssRoles {
  int client = 0;
  int gateway = 0;
  int worker = 0;
  int kafka = 0;
  int postgres = 0;  // the postmaster
};

// One reading (or peaks over many); -1 = not watched or not readable.
struct RssReading {
  int64_t client = -1;
  int64_t gateway = -1;
  int64_t worker = -1;
  int64_t kafka = -1;
  int64_t postgres_max = -1;
  int64_t postgres_sum = -1;
};

// Reads every role once; `postgres_pids` is the postmaster and its children.
RssReading ReadRss(const RssRoles& roles, const std::vector<int>& postgres_pids);

// The element-wise median of `readings` (idle memory: a few readings apart).
RssReading MedianRss(std::vector<RssReading> readings);

class RssMonitor {
 public:
  // Takes the first reading at once.
  RssMonitor(RssRoles roles, absl::Duration interval);
  ~RssMonitor() { Stop(); }

  RssMonitor(const RssMonitor&) = delete;
  RssMonitor& operator=(const RssMonitor&) = delete;

  // Takes a last reading and joins the thread; later calls do nothing.
  void Stop();

  // The highest value of each role so far.
  RssReading peaks() const;
  int64_t samples() const;

 private:
  void Sample();

  const RssRoles roles_;
  std::vector<int> postgres_pids_;  // sampling thread only
  absl::Time postgres_listed_;      // sampling thread only
  mutable absl::Mutex mu_;
  RssReading peaks_ ABSL_GUARDED_BY(mu_);
  int64_t samples_ ABSL_GUARDED_BY(mu_) = 0;
  std::optional<PeriodicThread> thread_;  // from the first reading to Stop()
};

}  // namespace ingest::bench_e2e
