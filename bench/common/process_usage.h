#pragma once

// What the processes of a benchmark run use of the machine: CPU time (how
// the cores were shared during a window) and resident memory (idle, and the
// peak while something large goes through), read from /proc/<pid>/stat
// (services/common/metrics' ReadProcStat). Shared by the gateway, worker and
// end-to-end benchmarks.

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/threading/periodic_thread.h"

namespace ingest::bench {

// `root` then its direct children (scanning /proc); empty if root is gone.
// PostgreSQL is a postmaster plus one backend per connection, and its CPU
// and memory are theirs together.
std::vector<int> ProcessAndChildren(int root);

// --- CPU -------------------------------------------------------------------

// CPU time used so far by each process of a group.
using CpuByPid = std::map<int, absl::Duration>;

// Several groups of processes read together (e.g. the client, the gateway,
// the broker), each a CpuByPid.
struct CpuReading {
  absl::Time at;
  std::vector<CpuByPid> groups;
};

// Each group's pids (those <= 0 left out: not watched); a process gone while
// reading is left out too.
CpuReading ReadCpu(const std::vector<std::vector<int>>& groups);

// CPU time a group used between two readings: a process only in `after`
// started since and counts from zero; one gone by `after` is lost with its
// time (a lower bound).
absl::Duration CpuUsed(const CpuByPid& before, const CpuByPid& after);

// CpuUsed in cores (1.0 = one core all along); -1 when `after` is empty (not
// watched or not readable) or `wall` is not positive.
double CoresUsed(const CpuByPid& before, const CpuByPid& after, absl::Duration wall);

// CoresUsed of each group between two readings of the same groups.
std::vector<double> CoresBetween(const CpuReading& start, const CpuReading& end);

// --- memory ----------------------------------------------------------------

// The processes whose memory is watched; 0 = not watched.
struct RssRoles {
  int client = 0;
  int gateway = 0;
  int worker = 0;
  int kafka = 0;
  int postgres = 0;  // the postmaster
};

// One reading (or peaks over many), in bytes; -1 = not watched or not
// readable.
struct RssReading {
  int64_t client = -1;
  int64_t gateway = -1;
  int64_t worker = -1;
  int64_t kafka = -1;
  int64_t postgres_max = -1;  // the largest of the postmaster and its children
  int64_t postgres_sum = -1;
};

// Reads every role once; `postgres_pids` is the postmaster and its children.
RssReading ReadRss(const RssRoles& roles, const std::vector<int>& postgres_pids);

// The element-wise median of `readings`, skipping unreadable values.
RssReading MedianRss(std::vector<RssReading> readings);

// Idle memory: the median of five readings 100 ms apart, so that one odd
// reading does not set the baseline.
RssReading ReadIdleRss(const RssRoles& roles);

// Reads every role every `interval` on its own thread, keeping each role's
// peak, until Stop(); PostgreSQL's children are listed again every 500 ms.
// Threads: construction, Stop and the readers on the owner's thread; the
// sampling thread.
class RssSampler {
 public:
  // Takes the first reading at once.
  RssSampler(RssRoles roles, absl::Duration interval);
  ~RssSampler() { Stop(); }

  RssSampler(const RssSampler&) = delete;
  RssSampler& operator=(const RssSampler&) = delete;

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

}  // namespace ingest::bench
