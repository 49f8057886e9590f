#include "bench/e2e/takeover.h"

#include <algorithm>
#include <utility>

namespace ingest::bench_e2e {

TakeoverTracker::TakeoverTracker(absl::Time stopped_at, std::map<int32_t, int64_t> baseline,
                                 absl::Duration idle_grace)
    : stopped_at_(stopped_at), baseline_(std::move(baseline)), idle_grace_(idle_grace) {}

std::vector<int32_t> TakeoverTracker::ObserveCommitted(
    absl::Time at, const std::map<int32_t, int64_t>& committed) {
  std::vector<int32_t> advanced;
  for (const auto& [partition, base] : baseline_) {
    if (advanced_after_.count(partition) > 0) continue;
    const auto it = committed.find(partition);
    if (it == committed.end() || it->second <= base) continue;
    advanced_after_[partition] = std::max(absl::ZeroDuration(), at - stopped_at_);
    advanced.push_back(partition);
  }
  return advanced;
}

void TakeoverTracker::ObserveHighWatermarks(const std::map<int32_t, int64_t>& high) {
  for (const auto& [partition, offset] : high) high_[partition] = offset;
}

bool TakeoverTracker::Idle(int32_t partition) const {
  const auto it = high_.find(partition);
  return it != high_.end() && it->second <= baseline_.at(partition);
}

bool TakeoverTracker::Complete(absl::Time now) const {
  const bool idle_counts = now - stopped_at_ >= idle_grace_;
  for (const auto& [partition, base] : baseline_) {
    if (advanced_after_.count(partition) > 0) continue;
    if (!idle_counts || !Idle(partition)) return false;
  }
  return true;
}

TakeoverResult TakeoverTracker::Result() const {
  TakeoverResult result;
  result.advanced_after = advanced_after_;
  for (const auto& [partition, base] : baseline_) {
    if (advanced_after_.count(partition) > 0) continue;
    (Idle(partition) ? result.idle : result.pending).push_back(partition);
  }
  if (result.pending.empty() && !advanced_after_.empty()) {
    absl::Duration last = absl::ZeroDuration();
    for (const auto& [partition, after] : advanced_after_) last = std::max(last, after);
    result.takeover = last;
  }
  return result;
}

}  // namespace ingest::bench_e2e
