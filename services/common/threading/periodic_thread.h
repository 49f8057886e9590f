#pragma once

#include <functional>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace ingest {

// Calls `tick` on its own thread every `interval` of wall time, the first
// time one interval after construction, until Stop(). Ticks are scheduled
// from the previous schedule, not from when a tick returned; a tick that
// overruns makes the next one start at once rather than piling up.
class PeriodicThread {
 public:
  PeriodicThread(absl::Duration interval, std::function<void()> tick);
  ~PeriodicThread();

  PeriodicThread(const PeriodicThread&) = delete;
  PeriodicThread& operator=(const PeriodicThread&) = delete;

  // Waits for a running tick to return, then joins. Idempotent; call from the
  // owning thread.
  void Stop();

 private:
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace ingest
