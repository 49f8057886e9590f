#pragma once

// FakeClock: a Clock whose time moves only when a call waits. RunAfter()
// advances the time by the delay, records it, and runs the function at once
// on the calling thread (a gRPC callback thread in the client's tests), so a
// test of retries never sleeps and can assert every wait the client chose.
//
// Thread-safe.

#include <vector>

#include "absl/synchronization/mutex.h"
#include "client/cpp/clock.h"

namespace ingest::client::testing {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1700000000)) : now_(start) {}

  absl::Time Now() override {
    absl::MutexLock lock(&mu_);
    return now_;
  }

  void RunAfter(absl::Duration delay, absl::AnyInvocable<void() &&> fn) override {
    {
      absl::MutexLock lock(&mu_);
      waits_.push_back(delay);
      if (delay > absl::ZeroDuration()) now_ += delay;
    }
    std::move(fn)();
  }

  // Every delay passed to RunAfter, in order.
  std::vector<absl::Duration> waits() const {
    absl::MutexLock lock(&mu_);
    return waits_;
  }

  void Advance(absl::Duration by) {
    absl::MutexLock lock(&mu_);
    now_ += by;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
  std::vector<absl::Duration> waits_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ingest::client::testing
