#pragma once

// A process and its direct children, read from /proc: PostgreSQL is a
// postmaster plus one backend per connection, and its memory and CPU are
// theirs together. Also how several RSS readings of one role add up.

#include <cstdint>
#include <map>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace ingest::bench_e2e {

// The parent pid of a /proc/<pid>/stat text (the field after the state; the
// command name may hold spaces and parentheses).
absl::StatusOr<int> ParseStatParentPid(absl::string_view stat_text);

// `root` then its direct children (scanning /proc); empty if root is gone.
std::vector<int> ProcessAndChildren(int root);

// One reading of a group of processes: the largest one and the sum.
struct RssTotals {
  int64_t max_bytes = 0;
  int64_t sum_bytes = 0;
};

RssTotals AddUpRss(absl::Span<const int64_t> rss_bytes);

// CPU time used so far by each process of a group.
using CpuByPid = std::map<int, absl::Duration>;

// Each of `pids` (those <= 0 left out); processes gone while reading are
// skipped.
CpuByPid ReadCpu(const std::vector<int>& pids);

// `root` and its children, as ReadCpu.
CpuByPid ReadTreeCpu(int root);

// Cores the group used between two readings (1.0 = one core all along): a
// process only in `after` started since and counts from zero; one gone by
// `after` is lost with its time (a lower bound). -1 when `after` is empty
// or `wall` is not positive.
double TreeCoresUsed(const CpuByPid& before, const CpuByPid& after, absl::Duration wall);

}  // namespace ingest::bench_e2e
