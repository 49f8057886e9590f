#pragma once

// Per-peer call rate: each client address may start `calls_per_second`
// calls on average with bursts of `burst_calls`, before any authentication
// (so a flood of calls with bad keys is limited too). Memory is bounded:
// at most `max_peers` addresses are tracked; when full, peers whose bucket
// has refilled (idle ones) are dropped, and if none has, a new peer is let
// through untracked rather than evicting an active one.
//
// Thread-safe.

#include <cstdint>
#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace ingest {

struct PeerRateLimit {
  double calls_per_second = 20000;
  double burst_calls = 40000;
  size_t max_peers = 100'000;
};

class PeerRateLimiter {
 public:
  explicit PeerRateLimiter(PeerRateLimit limit,
                           std::function<absl::Time()> now = [] { return absl::Now(); })
      : limit_(limit), now_(std::move(now)) {}

  // Takes one call from `peer`'s bucket: zero if allowed, else how long
  // until it would be.
  absl::Duration TryTake(const std::string& peer);

  size_t tracked_peers() const;

 private:
  struct Bucket {
    double tokens;
    absl::Time refilled_at;
  };
  // Drops peers whose bucket would be full by `now`.
  void DropIdle(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const PeerRateLimit limit_;
  const std::function<absl::Time()> now_;
  mutable absl::Mutex mutex_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace ingest
