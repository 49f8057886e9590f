#pragma once

// What a worker's own log says about its partitions. The worker logs
// `worker.partitions_assigned` and `worker.partitions_revoked` with
// `partitions=1,2,3` (text) or `"partitions":"1,2,3"` (JSON) at every
// rebalance; with cooperative-sticky assignment each line is an increment,
// so the partitions owned are the replay of every line since the start.

#include <cstdint>
#include <set>

#include "absl/strings/string_view.h"

namespace ingest::bench_e2e {

// Replays the assignment lines of `log` (one process's lines: from its
// start on) into the partitions owned at its end. Other lines are ignored.
std::set<int32_t> OwnedPartitionsFromLog(absl::string_view log);

}  // namespace ingest::bench_e2e
