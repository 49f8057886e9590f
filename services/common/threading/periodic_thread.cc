#include "services/common/threading/periodic_thread.h"

#include <algorithm>
#include <utility>

#include "absl/time/clock.h"

namespace ingest {

PeriodicThread::PeriodicThread(absl::Duration interval,
                               std::function<void()> tick) {
  thread_ = std::thread([this, interval, tick = std::move(tick)] {
    absl::Time next = absl::Now() + interval;
    while (!stop_.WaitForNotificationWithDeadline(next)) {
      tick();
      next = std::max(next + interval, absl::Now());
    }
  });
}

PeriodicThread::~PeriodicThread() { Stop(); }

void PeriodicThread::Stop() {
  if (!thread_.joinable()) return;
  stop_.Notify();
  thread_.join();
}

}  // namespace ingest
