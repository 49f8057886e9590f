#pragma once

// Open-loop load that runs until it is stopped, while other things happen
// (rate steps are measured, workers killed and restarted).
//
// Message i is due at start + i / rate, whatever happened to earlier ones,
// and goes to lane i mod lanes (for the gateway a lane is a session, whose
// payloads go out one at a time with payload_id 1, 2, 3, ...). A busy lane
// queues its next messages: that queue is the client's backlog, and it grows
// when the gateway takes less than the rate. What came of the messages is in
// counters(): acknowledgements, backpressure retries, failures.
//
// bench/common's RunOpenLoop runs a fixed schedule to measure latency; this
// one has no end and counts acknowledgements over time instead.
//
// Threads: Start, Stop and the readers on the owner's thread; a dispatching
// thread of its own; the sink's callback threads.

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "bench/common/load_driver.h"
#include "bench/common/message_sink.h"
#include "bench/common/rate_schedule.h"

namespace ingest::bench_e2e {

class PacedLoad {
 public:
  // `sink` must outlive every callback (past Stop, if Stop timed out).
  // Requires rate_per_s > 0 and 1 <= lanes <= sink.lane_count().
  PacedLoad(bench::MessageSink& sink, double rate_per_s, int lanes);
  // Stops if still running (60 s for what is in flight).
  ~PacedLoad();

  PacedLoad(const PacedLoad&) = delete;
  PacedLoad& operator=(const PacedLoad&) = delete;

  // Message 0 is due now.
  void Start();

  // Stops dispatching; queued messages are dropped (never sent; counted in
  // abandoned()); waits up to `timeout` for those in flight.
  // DEADLINE_EXCEEDED if some are still out then.
  absl::Status Stop(absl::Duration timeout);

  absl::Time start() const { return schedule_.start(); }
  double rate_per_s() const { return schedule_.per_second(); }
  // Messages due by `at`.
  int64_t DueCount(absl::Time at) const { return schedule_.DueCount(at); }

  const bench::PhaseCounters& counters() const;
  int64_t abandoned() const;
  // The first failure other than backpressure ("" if none).
  std::string first_error() const;

 private:
  struct State;
  void Dispatch();

  std::shared_ptr<State> state_;
  bench::RateSchedule schedule_;
  absl::Notification stop_;
  std::thread thread_;
  bool stopped_ = false;
};

}  // namespace ingest::bench_e2e
