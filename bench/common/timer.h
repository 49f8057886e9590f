#pragma once

// Runs callbacks after a delay on one thread of its own: the backoff before a
// retry, without blocking the gRPC or librdkafka thread that saw the refusal.

#include <map>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace ingest::bench {

// Thread-safe. Callbacks run one at a time on the timer's thread, in due
// order; they may call After() themselves.
class Timer {
 public:
  Timer();
  // Joins the thread. Callbacks not yet due are dropped without running.
  ~Timer();

  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  void After(absl::Duration delay, absl::AnyInvocable<void() &&> callback);

 private:
  void Loop();

  absl::Mutex mu_;
  absl::CondVar changed_;  // signalled on After() and on stop
  std::multimap<absl::Time, absl::AnyInvocable<void() &&>> due_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace ingest::bench
