#pragma once

// Per-project token buckets of bytes: each project may ingest `rate` bytes
// per second on average with bursts up to `burst` bytes. Every call costs at
// least `min_cost` bytes so floods of tiny calls are limited too.
// Thread-safe.

#include <cstdint>
#include <functional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace ingest {

struct RateLimit {
  double bytes_per_second = 256.0 * 1024 * 1024;
  double burst_bytes = 512.0 * 1024 * 1024;
  int64_t min_cost_bytes = 1024;
};

class ProjectRateLimiter {
 public:
  explicit ProjectRateLimiter(RateLimit limit,
                              std::function<absl::Time()> now = [] { return absl::Now(); })
      : limit_(limit), now_(std::move(now)) {}

  // Takes `bytes` from the project's bucket. Returns zero on success, or how
  // long until that many tokens will be there (nothing is taken).
  absl::Duration TryTake(const std::string& project, int64_t bytes) {
    return TryTake(project, bytes, limit_);
  }
  // The same under `limit` instead of the default (a project's own, from
  // the API keys file).
  absl::Duration TryTake(const std::string& project, int64_t bytes, const RateLimit& limit);

  const RateLimit& default_limit() const { return limit_; }

 private:
  struct Bucket {
    double tokens;
    absl::Time refilled_at;
  };

  const RateLimit limit_;
  const std::function<absl::Time()> now_;
  absl::Mutex mutex_;
  // One bucket per project with a key: bounded by the API keys file.
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace ingest
