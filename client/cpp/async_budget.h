#pragma once

// AsyncBudget: the bound on what PushAsync holds — serialized payload bytes
// and calls in flight (waiting for a retry included). A push takes its share
// before it starts and gives it back when its callback has run, so memory
// never grows past the budget however fast the caller pushes: a full budget
// blocks Acquire(), or makes TryAcquire() say no.
//
// A request larger than the whole byte budget is admitted when nothing else
// is in flight (it would otherwise never be), so the bound is
// max(budget, the largest single payload).
//
// Thread-safe.

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace ingest::client {

class AsyncBudget {
 public:
  AsyncBudget(int64_t max_bytes, int max_calls) : max_bytes_(max_bytes), max_calls_(max_calls) {}

  // Blocks until `bytes` and one call fit, then takes them.
  void Acquire(int64_t bytes);
  // Takes them if they fit now; false otherwise.
  bool TryAcquire(int64_t bytes);
  void Release(int64_t bytes);

  // Blocks until nothing is in flight.
  void WaitUntilEmpty();

  int64_t bytes_in_flight() const;
  int calls_in_flight() const;
  // The most bytes and calls ever in flight at once (for tests and metrics).
  int64_t peak_bytes() const;
  int peak_calls() const;

 private:
  bool Fits(int64_t bytes) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Take(int64_t bytes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const int64_t max_bytes_;
  const int max_calls_;
  mutable absl::Mutex mu_;
  int64_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t peak_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  int peak_calls_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace ingest::client
