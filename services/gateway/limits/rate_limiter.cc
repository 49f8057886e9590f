#include "services/gateway/limits/rate_limiter.h"

#include <algorithm>

namespace ingest {

absl::Duration ProjectRateLimiter::TryTake(const std::string& project, int64_t bytes,
                                           const RateLimit& limit) {
  const double cost = static_cast<double>(std::max(bytes, limit.min_cost_bytes));
  const absl::Time now = now_();
  absl::MutexLock lock(&mutex_);
  auto [it, inserted] = buckets_.try_emplace(project, Bucket{limit.burst_bytes, now});
  Bucket& bucket = it->second;
  const double elapsed = absl::ToDoubleSeconds(now - bucket.refilled_at);
  bucket.tokens = std::min(limit.burst_bytes, bucket.tokens + elapsed * limit.bytes_per_second);
  bucket.refilled_at = now;
  // A call larger than the burst can never fit: let it through on a full
  // bucket (driving it negative) rather than refuse it forever.
  if (bucket.tokens >= cost || bucket.tokens >= limit.burst_bytes) {
    bucket.tokens -= cost;
    return absl::ZeroDuration();
  }
  const double missing = std::min(cost, limit.burst_bytes) - bucket.tokens;
  return absl::Seconds(missing / limit.bytes_per_second);
}

}  // namespace ingest
