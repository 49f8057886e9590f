#pragma once

#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "tools/loadgen/clock.h"

namespace ingest::loadgen {

// Test clock: SleepFor() returns at once and advances Now() by the duration,
// recording every requested sleep. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1'700'000'000))
      : now_(start) {}

  absl::Time Now() override {
    absl::MutexLock lock(&mu_);
    return now_;
  }

  void SleepFor(absl::Duration duration) override {
    absl::MutexLock lock(&mu_);
    sleeps_.push_back(duration);
    if (duration > absl::ZeroDuration()) now_ += duration;
  }

  // Every duration passed to SleepFor(), in call order.
  std::vector<absl::Duration> sleeps() const {
    absl::MutexLock lock(&mu_);
    return sleeps_;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
  std::vector<absl::Duration> sleeps_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ingest::loadgen
