#pragma once

// Runs callbacks after a delay on one thread of its own: the backoff before a
// retry, without blocking the gRPC or librdkafka thread that saw the refusal.
// The client SDK's system clock (client/cpp/clock.h) does the work.

#include <memory>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/time/time.h"
#include "client/cpp/clock.h"

namespace ingest::bench {

// Thread-safe. Callbacks run one at a time on the timer's thread, in due
// order; they may call After() themselves. Destruction runs the callbacks
// still waiting at once, then joins the thread.
class Timer {
 public:
  void After(absl::Duration delay, absl::AnyInvocable<void() &&> callback) {
    clock_->RunAfter(delay, std::move(callback));
  }

 private:
  const std::unique_ptr<client::Clock> clock_ = client::CreateSystemClock();
};

}  // namespace ingest::bench
