#pragma once

// When a stopped worker's partitions are consumed again (failover mode).
//
// The baseline is each watched partition's committed next_offset in
// PostgreSQL read once the stopped process is gone (so it commits nothing
// more). A partition is taken over at the first reading whose committed
// offset is above its baseline: some worker owns it, has read the database
// offset and committed a transaction past it. A partition whose high
// watermark never rose above its baseline had nothing to consume, so its
// takeover cannot be seen: it is "idle", left out of the time and counted.
// Right after the stop every caught-up partition looks idle (the next record
// has not arrived yet), so "idle" only ends the wait once `idle_grace` has
// passed since the stop: under load, records arrive well within it.
// Pure; not thread-safe.

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "absl/time/time.h"

namespace ingest::bench_e2e {

struct TakeoverResult {
  std::map<int32_t, absl::Duration> advanced_after;  // partition -> since the stop
  std::vector<int32_t> idle;                         // nothing to consume, by the latest watermarks
  std::vector<int32_t> pending;                      // records to consume, not committed yet
  // The last partition's advance, once nothing is pending and one advanced.
  std::optional<absl::Duration> takeover;
};

class TakeoverTracker {
 public:
  // `baseline` holds the committed next_offset of every watched partition
  // (0 for a partition without a row yet).
  TakeoverTracker(absl::Time stopped_at, std::map<int32_t, int64_t> baseline,
                  absl::Duration idle_grace);

  // A reading of committed offsets taken at `at` (partitions missing from it
  // are unchanged). Returns the partitions that advanced with it.
  std::vector<int32_t> ObserveCommitted(absl::Time at, const std::map<int32_t, int64_t>& committed);

  // A reading of the high watermarks (partitions missing from it unknown).
  void ObserveHighWatermarks(const std::map<int32_t, int64_t>& high);

  // Every watched partition advanced; or, once `idle_grace` has passed since
  // the stop at `now`, every one not advanced was idle at the latest
  // watermark reading.
  bool Complete(absl::Time now) const;

  TakeoverResult Result() const;

 private:
  bool Idle(int32_t partition) const;

  const absl::Time stopped_at_;
  const std::map<int32_t, int64_t> baseline_;
  const absl::Duration idle_grace_;
  std::map<int32_t, absl::Duration> advanced_after_;
  std::map<int32_t, int64_t> high_;  // latest watermarks
};

}  // namespace ingest::bench_e2e
