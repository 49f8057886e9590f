#include "services/gateway/limits/peer_rate_limiter.h"

#include <algorithm>

namespace ingest {

absl::Duration PeerRateLimiter::TryTake(const std::string& peer) {
  const absl::Time now = now_();
  absl::MutexLock lock(&mutex_);
  auto it = buckets_.find(peer);
  if (it == buckets_.end()) {
    if (buckets_.size() >= limit_.max_peers) DropIdle(now);
    if (buckets_.size() >= limit_.max_peers) return absl::ZeroDuration();  // untracked
    it = buckets_.emplace(peer, Bucket{limit_.burst_calls, now}).first;
  }
  Bucket& bucket = it->second;
  const double elapsed = absl::ToDoubleSeconds(now - bucket.refilled_at);
  bucket.tokens = std::min(limit_.burst_calls, bucket.tokens + elapsed * limit_.calls_per_second);
  bucket.refilled_at = now;
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return absl::ZeroDuration();
  }
  return absl::Seconds((1 - bucket.tokens) / limit_.calls_per_second);
}

void PeerRateLimiter::DropIdle(absl::Time now) {
  absl::erase_if(buckets_, [&](const auto& entry) {
    const Bucket& bucket = entry.second;
    return bucket.tokens + absl::ToDoubleSeconds(now - bucket.refilled_at) *
                               limit_.calls_per_second >=
           limit_.burst_calls;
  });
}

size_t PeerRateLimiter::tracked_peers() const {
  absl::MutexLock lock(&mutex_);
  return buckets_.size();
}

}  // namespace ingest
