#pragma once

// The two ways a phase drives a MessageSink.
//
// Closed loop (maximum throughput): every lane sends its next message as soon
// as the previous one is acknowledged; acknowledgements are counted over a
// window that starts after a warm-up.
//
// Open loop (latency at a given rate, or load while other things are
// measured): messages are due on a fixed schedule (RateSchedule) whatever the
// sink does; message i goes to lane i % lanes and waits there if the lane is
// busy. Latency runs from the due time to the acknowledgement, so queueing in
// front of a slow sink is counted.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "bench/common/message_sink.h"
#include "bench/common/rate_schedule.h"
#include "bench/common/stats.h"

namespace ingest::bench {

// A closed-loop phase: `lanes` messages kept in flight for as long as it ran.
struct ThroughputStats {
  int lanes = 0;
  int64_t acked = 0;      // acknowledged inside the measurement window
  absl::Duration window;  // the measurement window, after the warm-up
  double msgs_per_s = 0;
  int64_t backpressure_retries = 0;  // RESOURCE_EXHAUSTED answers, retried
};

// An open-loop phase: messages due at a fixed rate, latency measured from each
// message's due time to its acknowledgement.
struct LatencyStats {
  double rate_per_s = 0;
  int lanes = 0;
  LatencySummary latency;  // over the messages due inside the measurement window
  // Messages still queued (never sent) when the drain deadline passed; they
  // are in `latency` with the wait they had so far, a lower bound.
  int64_t abandoned = 0;
  int64_t backpressure_retries = 0;
};

// Live counts of the running phase, for the progress line. Written by the
// driver from the sink's threads; read from any thread.
struct PhaseCounters {
  std::atomic<int64_t> acked{0};  // including the warm-up
  std::atomic<int64_t> errors{0};
  std::atomic<int64_t> backpressure_retries{0};
  std::atomic<int64_t> backlog{0};  // open loop: due but not yet sent
};

// "  backlog=N  backpressure=N  errors=N" for the counters that are not
// zero (empty when all are), to append to a progress line.
std::string CountersDetail(const PhaseCounters& counters);

// A phase's progress detail: "acked=1234  1520 msg/s" (given `message_bytes`,
// "acked=1234  148 MB/s"), the rate since the previous call, then
// CountersDetail. The function is for one progress thread.
std::function<std::string()> AckRateDetail(const PhaseCounters& counters,
                                           int64_t message_bytes = 0);

struct ClosedLoopOptions {
  int lanes = 1;  // at most sink.lane_count()
  absl::Duration warmup = absl::Seconds(3);
  absl::Duration window = absl::Seconds(10);
  // After the window, how long in-flight messages get to be acknowledged.
  absl::Duration drain_timeout = absl::Seconds(60);
  // Called on the calling thread as the window opens and closes (e.g. to read
  // CPU counters); may be empty.
  std::function<void()> on_window_start;
  std::function<void()> on_window_end;
};

// Runs a closed-loop phase. An error if any message failed (the first
// failure is in the message) or if messages were still in flight at the
// drain deadline (DEADLINE_EXCEEDED; their callbacks may still run later, so
// the caller must keep the sink alive or end the process).
absl::StatusOr<ThroughputStats> RunClosedLoop(MessageSink& sink, const ClosedLoopOptions& options,
                                              PhaseCounters& counters);

struct OpenLoopOptions {
  double rate_per_s = 1;
  int lanes = 1;                             // at most sink.lane_count()
  absl::Duration warmup = absl::Seconds(2);  // due in it: sent, not measured
  absl::Duration window = absl::Seconds(10);
  // After the last due time, how long the backlog gets to drain. Messages
  // still unsent then are abandoned and counted in the latency with the wait
  // they had so far (a lower bound); those in flight are awaited for
  // `drain_timeout` more.
  absl::Duration drain_timeout = absl::Seconds(15);
};

// Runs an open-loop phase (an OpenLoop for warmup + window); errors as
// RunClosedLoop.
absl::StatusOr<LatencyStats> RunOpenLoop(MessageSink& sink, const OpenLoopOptions& options,
                                         PhaseCounters& counters);

// An open loop that runs while its owner does other things: RunOpenLoop's
// latency phase, or bench_e2e's load while it measures rate steps and kills
// workers. For the gateway a lane is a session, whose payloads go out one at
// a time with payload_id 1, 2, 3, ...; the messages waiting for their lane
// are the client's backlog, which grows while the sink takes less than the
// rate.
//
// Threads: Start, AwaitDone, Stop and the readers on the owner's thread; a
// dispatching thread of its own; the sink's callback threads.
class OpenLoop {
 public:
  // `sink` and `counters` must outlive every callback (past Stop, if Stop
  // timed out). Requires rate_per_s > 0 and 1 <= lanes <= sink.lane_count()
  // (aborts otherwise: RunOpenLoop checks first).
  OpenLoop(MessageSink& sink, double rate_per_s, int lanes, PhaseCounters& counters);
  // Stops if started and not stopped (60 s for what is in flight).
  ~OpenLoop();

  OpenLoop(const OpenLoop&) = delete;
  OpenLoop& operator=(const OpenLoop&) = delete;

  // Message 0 is due (10 ms from) now. Without arguments the load runs until
  // Stop and keeps no latencies; with them it sends the messages due within
  // warmup + window only, and keeps the latency of those due in the window.
  void Start();
  void Start(absl::Duration warmup, absl::Duration window);

  // After Start(warmup, window): waits until every message has been
  // acknowledged, or `grace` after the last one was due; false then.
  bool AwaitDone(absl::Duration grace);

  // Stops dispatching; the backlog is abandoned (never sent, counted in
  // abandoned() and, if measured, in the latencies with the wait it had so
  // far: a lower bound); waits up to `timeout` for those in flight.
  // DEADLINE_EXCEEDED if some are still out then.
  absl::Status Stop(absl::Duration timeout);

  absl::Time start() const { return schedule_.start(); }
  // Messages due by `at`.
  int64_t DueCount(absl::Time at) const { return schedule_.DueCount(at); }

  int64_t abandoned() const;
  // The first failure other than backpressure (OK if none).
  absl::Status first_failure() const;
  // OK, or how many of the messages sent failed and the first failure.
  absl::Status failures() const;
  // The latencies kept (see Start), once stopped.
  std::vector<absl::Duration> TakeLatencies();

 private:
  struct State;
  void Dispatch(int64_t count);

  std::shared_ptr<State> state_;
  RateSchedule schedule_;
  int64_t count_ = 0;  // messages to send
  absl::Notification stop_;
  std::thread thread_;
  bool stopped_ = false;
};

}  // namespace ingest::bench
