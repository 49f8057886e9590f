#include "bench/common/load_driver.h"

#include <algorithm>
#include <deque>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "services/common/status/status_macros.h"
#include "bench/common/rate_schedule.h"

namespace ingest::bench {
namespace {

// What both loops count of every Ack, under their own lock.
struct Tally {
  int64_t backpressure = 0;
  int64_t failed = 0;
  absl::Status first_failure;

  // Counts `ack` here and in the live `counters`; whether it succeeded.
  bool Count(const Ack& ack, PhaseCounters& counters) {
    backpressure += ack.backpressure_retries;
    counters.backpressure_retries += ack.backpressure_retries;
    if (ack.status.ok()) {
      ++counters.acked;
      return true;
    }
    if (failed++ == 0) first_failure = ack.status;
    ++counters.errors;
    return false;
  }

  // OK, or the phase's failures as one error: how many of `total`, the first.
  absl::Status ToStatus(int64_t total) const {
    if (failed == 0) return absl::OkStatus();
    return absl::Status(first_failure.code(),
                        absl::StrCat(failed, " of ", total,
                                     " messages failed; the first: ", first_failure.message()));
  }
};

absl::Status StillInFlight(int64_t count, absl::Duration waited) {
  return absl::DeadlineExceededError(
      absl::StrCat(count, " messages were still unacknowledged ", absl::FormatDuration(waited),
                   " after the phase ended"));
}

// --- closed loop --------------------------------------------------------

// Shared with the callbacks, which may outlive RunClosedLoop on a timeout.
class ClosedLoop : public std::enable_shared_from_this<ClosedLoop> {
 public:
  ClosedLoop(MessageSink& sink, const ClosedLoopOptions& options, PhaseCounters& counters)
      : sink_(sink), options_(options), counters_(counters) {}

  absl::StatusOr<ThroughputStats> Run() {
    const absl::Time start = absl::Now();
    window_start_ = start + options_.warmup;
    window_end_ = window_start_ + options_.window;
    {
      absl::MutexLock lock(&mu_);
      in_flight_ = options_.lanes;
    }
    for (int lane = 0; lane < options_.lanes; ++lane) SendNext(lane);

    absl::SleepFor(window_start_ - absl::Now());
    if (options_.on_window_start) options_.on_window_start();
    absl::SleepFor(window_end_ - absl::Now());
    stopping_.store(true);
    if (options_.on_window_end) options_.on_window_end();

    absl::MutexLock lock(&mu_);
    const auto drained = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return in_flight_ == 0; };
    if (!mu_.AwaitWithTimeout(absl::Condition(&drained), options_.drain_timeout)) {
      return StillInFlight(in_flight_, options_.drain_timeout);
    }
    RETURN_IF_ERROR(tally_.ToStatus(sent_));
    return ThroughputStats{
        .lanes = options_.lanes,
        .acked = counted_,
        .window = options_.window,
        .msgs_per_s = static_cast<double>(counted_) / absl::ToDoubleSeconds(options_.window),
        .backpressure_retries = tally_.backpressure};
  }

 private:
  void SendNext(int lane) {
    {
      absl::MutexLock lock(&mu_);
      ++sent_;
    }
    sink_.Send(lane, [self = shared_from_this(), lane](Ack ack) { self->OnAck(lane, ack); });
  }

  void OnAck(int lane, const Ack& ack) {
    const absl::Time now = absl::Now();
    bool again = false;
    {
      absl::MutexLock lock(&mu_);
      const bool ok = tally_.Count(ack, counters_);
      if (ok && now >= window_start_ && now < window_end_) ++counted_;
      // A lane that failed stops: the phase is failed anyway.
      again = ok && !stopping_.load() && now < window_end_;
      if (!again) --in_flight_;
    }
    if (again) SendNext(lane);
  }

  MessageSink& sink_;
  const ClosedLoopOptions options_;
  PhaseCounters& counters_;
  absl::Time window_start_;
  absl::Time window_end_;
  std::atomic<bool> stopping_{false};

  absl::Mutex mu_;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;  // lanes with a message out
  int64_t sent_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t counted_ ABSL_GUARDED_BY(mu_) = 0;
  Tally tally_ ABSL_GUARDED_BY(mu_);
};

// --- open loop ----------------------------------------------------------

class OpenLoop : public std::enable_shared_from_this<OpenLoop> {
 public:
  OpenLoop(MessageSink& sink, const OpenLoopOptions& options, PhaseCounters& counters)
      : sink_(sink), options_(options), counters_(counters), lanes_(options.lanes) {}

  absl::StatusOr<LatencyStats> Run() {
    // A little lead so message 0 is not late before the loop even runs.
    const RateSchedule schedule(absl::Now() + absl::Milliseconds(10), options_.rate_per_s);
    measure_from_ = schedule.start() + options_.warmup;
    measure_to_ = measure_from_ + options_.window;
    const int64_t total = schedule.CountWithin(options_.warmup + options_.window);
    {
      absl::MutexLock lock(&mu_);
      samples_.reserve(static_cast<size_t>(schedule.CountWithin(options_.window) + 16));
    }

    int64_t next = 0;
    while (next < total) {
      const int64_t due = std::min(schedule.DueCount(absl::Now()), total);
      for (; next < due; ++next) {
        Dispatch(static_cast<int>(next % options_.lanes), schedule.DueTime(next));
      }
      if (next < total) absl::SleepFor(schedule.DueTime(next) - absl::Now());
    }

    const absl::Time last_due = schedule.DueTime(total - 1);
    absl::MutexLock lock(&mu_);
    const auto drained = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return outstanding_ == 0; };
    if (!mu_.AwaitWithDeadline(absl::Condition(&drained), last_due + options_.drain_timeout)) {
      AbandonBacklog(absl::Now());
      if (!mu_.AwaitWithTimeout(absl::Condition(&drained), options_.drain_timeout)) {
        return StillInFlight(outstanding_, 2 * options_.drain_timeout);
      }
    }
    RETURN_IF_ERROR(tally_.ToStatus(total));
    return LatencyStats{.rate_per_s = options_.rate_per_s,
                        .lanes = options_.lanes,
                        .latency = Summarize(std::move(samples_)),
                        .abandoned = abandoned_,
                        .backpressure_retries = tally_.backpressure};
  }

 private:
  struct Lane {
    bool busy = false;
    std::deque<absl::Time> waiting;  // due times of messages not yet sent
  };

  bool Measured(absl::Time due) const { return due >= measure_from_ && due < measure_to_; }

  void Dispatch(int lane, absl::Time due) {
    {
      absl::MutexLock lock(&mu_);
      ++outstanding_;
      Lane& state = lanes_[static_cast<size_t>(lane)];
      if (state.busy) {
        state.waiting.push_back(due);
        ++counters_.backlog;
        return;
      }
      state.busy = true;
    }
    Send(lane, due);
  }

  void Send(int lane, absl::Time due) {
    sink_.Send(lane, [self = shared_from_this(), lane, due](Ack ack) {
      self->OnAck(lane, due, ack);
    });
  }

  void OnAck(int lane, absl::Time due, const Ack& ack) {
    const absl::Time now = absl::Now();
    std::optional<absl::Time> next;
    {
      absl::MutexLock lock(&mu_);
      --outstanding_;
      if (tally_.Count(ack, counters_) && Measured(due)) samples_.push_back(now - due);
      Lane& state = lanes_[static_cast<size_t>(lane)];
      if (state.waiting.empty()) {
        state.busy = false;
      } else {
        next = state.waiting.front();
        state.waiting.pop_front();
        --counters_.backlog;
      }
    }
    if (next.has_value()) Send(lane, *next);
  }

  // Gives up on messages never sent: they count with the wait they had.
  void AbandonBacklog(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (Lane& lane : lanes_) {
      for (const absl::Time due : lane.waiting) {
        if (Measured(due)) samples_.push_back(now - due);
        ++abandoned_;
        --outstanding_;
        --counters_.backlog;
      }
      lane.waiting.clear();
    }
  }

  MessageSink& sink_;
  const OpenLoopOptions options_;
  PhaseCounters& counters_;
  absl::Time measure_from_;
  absl::Time measure_to_;

  absl::Mutex mu_;
  std::vector<Lane> lanes_ ABSL_GUARDED_BY(mu_);
  int64_t outstanding_ ABSL_GUARDED_BY(mu_) = 0;  // dispatched, not yet acknowledged
  std::vector<absl::Duration> samples_ ABSL_GUARDED_BY(mu_);
  int64_t abandoned_ ABSL_GUARDED_BY(mu_) = 0;
  Tally tally_ ABSL_GUARDED_BY(mu_);
};

absl::Status CheckLanes(int lanes, const MessageSink& sink) {
  if (lanes < 1 || lanes > sink.lane_count()) {
    return absl::InvalidArgumentError(
        absl::StrCat("lanes must be in [1, ", sink.lane_count(), "], not ", lanes));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ThroughputStats> RunClosedLoop(MessageSink& sink, const ClosedLoopOptions& options,
                                              PhaseCounters& counters) {
  RETURN_IF_ERROR(CheckLanes(options.lanes, sink));
  if (options.window <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("the measurement window must be positive");
  }
  return std::make_shared<ClosedLoop>(sink, options, counters)->Run();
}

absl::StatusOr<LatencyStats> RunOpenLoop(MessageSink& sink, const OpenLoopOptions& options,
                                         PhaseCounters& counters) {
  RETURN_IF_ERROR(CheckLanes(options.lanes, sink));
  if (!(options.rate_per_s > 0) || options.window <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("the rate and the measurement window must be positive");
  }
  return std::make_shared<OpenLoop>(sink, options, counters)->Run();
}

std::string CountersDetail(const PhaseCounters& counters) {
  std::string detail;
  if (const int64_t backlog = counters.backlog.load(); backlog > 0) {
    absl::StrAppend(&detail, "  backlog=", backlog);
  }
  if (const int64_t retries = counters.backpressure_retries.load(); retries > 0) {
    absl::StrAppend(&detail, "  backpressure=", retries);
  }
  if (const int64_t errors = counters.errors.load(); errors > 0) {
    absl::StrAppend(&detail, "  errors=", errors);
  }
  return detail;
}

}  // namespace ingest::bench
