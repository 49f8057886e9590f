#pragma once

#include "absl/time/time.h"

namespace ingest::loadgen {

// Time source and sleeper. Retry and polling loops take a Clock so tests can
// drive them with a fake that advances instantly instead of sleeping.
// Implementations must be safe to call from any thread.
class Clock {
 public:
  virtual ~Clock() = default;

  // The current time.
  virtual absl::Time Now() = 0;

  // Blocks the calling thread for `duration` (returns at once if <= 0).
  virtual void SleepFor(absl::Duration duration) = 0;

  // The process-wide wall clock (absl::Now / absl::SleepFor). Never destroyed.
  static Clock& Real();
};

}  // namespace ingest::loadgen
