#include "services/gateway/limits/rate_limiter.h"

#include <algorithm>

namespace ingest {

absl::Duration ProjectRateLimiter::TryTake(const std::string& project, int64_t bytes) {
  const double cost = static_cast<double>(std::max(bytes, limit_.min_cost_bytes));
  const absl::Time now = now_();
  absl::MutexLock lock(&mutex_);
  auto [it, inserted] = buckets_.try_emplace(project, Bucket{limit_.burst_bytes, now});
  Bucket& bucket = it->second;
  const double elapsed = absl::ToDoubleSeconds(now - bucket.refilled_at);
  bucket.tokens = std::min(limit_.burst_bytes, bucket.tokens + elapsed * limit_.bytes_per_second);
  bucket.refilled_at = now;
  // A call larger than the burst can never fit: let it through on a full
  // bucket (driving it negative) rather than refuse it forever.
  if (bucket.tokens >= cost || bucket.tokens >= limit_.burst_bytes) {
    bucket.tokens -= cost;
    return absl::ZeroDuration();
  }
  const double missing = std::min(cost, limit_.burst_bytes) - bucket.tokens;
  return absl::Seconds(missing / limit_.bytes_per_second);
}

}  // namespace ingest
