#include "bench/common/timer.h"

#include <utility>

#include "absl/time/clock.h"

namespace ingest::bench {

Timer::Timer() : thread_([this] { Loop(); }) {}

Timer::~Timer() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
    changed_.Signal();
  }
  thread_.join();
}

void Timer::After(absl::Duration delay, absl::AnyInvocable<void() &&> callback) {
  absl::MutexLock lock(&mu_);
  due_.emplace(absl::Now() + delay, std::move(callback));
  changed_.Signal();
}

void Timer::Loop() {
  absl::MutexLock lock(&mu_);
  while (!stop_) {
    if (due_.empty()) {
      changed_.Wait(&mu_);
      continue;
    }
    const absl::Time next = due_.begin()->first;
    if (absl::Now() < next) {
      changed_.WaitWithDeadline(&mu_, next);
      continue;
    }
    absl::AnyInvocable<void() &&> callback = std::move(due_.begin()->second);
    due_.erase(due_.begin());
    mu_.Unlock();
    std::move(callback)();
    mu_.Lock();
  }
}

}  // namespace ingest::bench
