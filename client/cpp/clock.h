#pragma once

// Clock: what the SDK needs of time — the current time, and running a
// function after a delay (the wait between two attempts of an asynchronous
// call, so no thread sleeps through it). Tests inject a fake
// (testing/fake_clock.h) whose waits pass at once and are recorded.
//
// Thread-safety: implementations are thread-safe.

#include <memory>

#include "absl/functional/any_invocable.h"
#include "absl/time/time.h"

namespace ingest::client {

class Clock {
 public:
  virtual ~Clock() = default;

  virtual absl::Time Now() = 0;

  // Runs `fn` once, on a thread of the clock's, after `delay` (at once for a
  // delay <= 0, still on the clock's thread). `fn` must not block.
  virtual void RunAfter(absl::Duration delay, absl::AnyInvocable<void() &&> fn) = 0;

  // Blocks the calling thread for `delay` (a pause of a tool's loop; never on
  // the clock's own thread). By default a RunAfter waited for, so a fake
  // clock's sleeps pass at once and are recorded like any wait.
  virtual void SleepFor(absl::Duration delay);
};

// The system clock, with one timer thread that runs the due functions in
// deadline order. Its destructor runs the functions still waiting at once
// (their calls then see the client shutting down) and joins the thread.
std::unique_ptr<Clock> CreateSystemClock();

// One system clock for the whole process (tools' loops), never destroyed.
// An SDK client keeps its own (ClientOptions.clock null): functions still
// waiting on this one are not run at exit.
Clock& SharedSystemClock();

}  // namespace ingest::client
