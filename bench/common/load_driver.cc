#include "bench/common/load_driver.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/common/report.h"
#include "bench/common/size_label.h"
#include "services/common/status/status_macros.h"

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

absl::Status CheckLanes(int lanes, const MessageSink& sink) {
  if (lanes < 1 || lanes > sink.lane_count()) {
    return absl::InvalidArgumentError(
        absl::StrCat("lanes must be in [1, ", sink.lane_count(), "], not ", lanes));
  }
  return absl::OkStatus();
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
      return absl::DeadlineExceededError(
          absl::StrCat(in_flight_, " messages were still unacknowledged ",
                       absl::FormatDuration(options_.drain_timeout), " after the phase ended"));
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

}  // namespace

// --- open loop ----------------------------------------------------------

// Shared with the sink's callbacks, which may outlive the OpenLoop.
struct OpenLoop::State : std::enable_shared_from_this<OpenLoop::State> {
  State(MessageSink& sink, int lane_count, PhaseCounters& counters)
      : sink(sink), counters(counters), lanes(static_cast<size_t>(lane_count)) {}

  struct Lane {
    bool busy = false;
    std::deque<absl::Time> waiting;  // due times of messages not yet sent
  };

  bool Measured(absl::Time due) const { return due >= measure_from && due < measure_to; }

  void Dispatch(int lane, absl::Time due) {
    {
      absl::MutexLock lock(&mu);
      ++dispatched;
      ++outstanding;
      Lane& state = lanes[static_cast<size_t>(lane)];
      if (state.busy) {
        state.waiting.push_back(due);
        ++counters.backlog;
        return;
      }
      state.busy = true;
    }
    Send(lane, due);
  }

  void Send(int lane, absl::Time due) {
    sink.Send(lane,
              [self = shared_from_this(), lane, due](Ack ack) { self->OnAck(lane, due, ack); });
  }

  void OnAck(int lane, absl::Time due, const Ack& ack) {
    const absl::Time now = absl::Now();
    std::optional<absl::Time> next;
    {
      absl::MutexLock lock(&mu);
      --outstanding;
      if (tally.Count(ack, counters) && Measured(due)) latencies.push_back(now - due);
      Lane& state = lanes[static_cast<size_t>(lane)];
      if (state.waiting.empty()) {
        state.busy = false;
      } else {
        next = state.waiting.front();
        state.waiting.pop_front();
        --counters.backlog;
      }
    }
    if (next.has_value()) Send(lane, *next);
  }

  // Gives up on messages never sent: they count with the wait they had.
  void AbandonBacklog(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    for (Lane& lane : lanes) {
      for (const absl::Time due : lane.waiting) {
        if (Measured(due)) latencies.push_back(now - due);
        ++abandoned;
        --outstanding;
        --counters.backlog;
      }
      lane.waiting.clear();
    }
  }

  MessageSink& sink;
  PhaseCounters& counters;
  // Set by Start before the first message.
  absl::Time measure_from = absl::InfiniteFuture();
  absl::Time measure_to = absl::InfiniteFuture();

  absl::Mutex mu;
  std::vector<Lane> lanes ABSL_GUARDED_BY(mu);
  int64_t dispatched ABSL_GUARDED_BY(mu) = 0;
  int64_t outstanding ABSL_GUARDED_BY(mu) = 0;  // dispatched, not yet acknowledged
  int64_t abandoned ABSL_GUARDED_BY(mu) = 0;
  std::vector<absl::Duration> latencies ABSL_GUARDED_BY(mu);
  Tally tally ABSL_GUARDED_BY(mu);
};

OpenLoop::OpenLoop(MessageSink& sink, double rate_per_s, int lanes, PhaseCounters& counters)
    : state_(std::make_shared<State>(sink, lanes, counters)),
      schedule_(absl::InfiniteFuture(), rate_per_s) {
  if (lanes < 1 || lanes > sink.lane_count()) {
    std::fprintf(stderr, "OpenLoop: %d lanes, the sink has %d\n", lanes, sink.lane_count());
    std::abort();
  }
}

OpenLoop::~OpenLoop() {
  if (thread_.joinable() && !stopped_) (void)Stop(absl::Seconds(60));
}

void OpenLoop::Start() { Start(absl::ZeroDuration(), absl::InfiniteDuration()); }

void OpenLoop::Start(absl::Duration warmup, absl::Duration window) {
  // A little lead so message 0 is not late before the thread even runs.
  schedule_ = RateSchedule(absl::Now() + absl::Milliseconds(10), schedule_.per_second());
  count_ = window == absl::InfiniteDuration() ? std::numeric_limits<int64_t>::max()
                                              : schedule_.CountWithin(warmup + window);
  if (window != absl::InfiniteDuration()) {
    state_->measure_from = schedule_.start() + warmup;
    state_->measure_to = state_->measure_from + window;
    absl::MutexLock lock(&state_->mu);
    state_->latencies.reserve(static_cast<size_t>(schedule_.CountWithin(window) + 16));
  }
  thread_ = std::thread([this] { Dispatch(count_); });
}

void OpenLoop::Dispatch(int64_t count) {
  const int lanes = static_cast<int>(state_->lanes.size());
  int64_t next = 0;
  while (next < count && !stop_.HasBeenNotified()) {
    const int64_t due = std::min(schedule_.DueCount(absl::Now()), count);
    for (; next < due; ++next) {
      state_->Dispatch(static_cast<int>(next % lanes), schedule_.DueTime(next));
    }
    if (next < count) stop_.WaitForNotificationWithTimeout(schedule_.DueTime(next) - absl::Now());
  }
}

bool OpenLoop::AwaitDone(absl::Duration grace) {
  State& state = *state_;
  const int64_t count = count_;
  const auto done = [&state, count]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(state.mu) {
    return state.dispatched == count && state.outstanding == 0;
  };
  absl::MutexLock lock(&state.mu);
  return state.mu.AwaitWithDeadline(absl::Condition(&done), schedule_.DueTime(count - 1) + grace);
}

absl::Status OpenLoop::Stop(absl::Duration timeout) {
  stopped_ = true;
  stop_.Notify();
  if (thread_.joinable()) thread_.join();
  State& state = *state_;
  absl::MutexLock lock(&state.mu);
  state.AbandonBacklog(absl::Now());
  const auto drained = [&state]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(state.mu) {
    return state.outstanding == 0;
  };
  if (!state.mu.AwaitWithTimeout(absl::Condition(&drained), timeout)) {
    return absl::DeadlineExceededError(
        absl::StrCat(state.outstanding, " messages were still unacknowledged ",
                     absl::FormatDuration(timeout), " after the load stopped"));
  }
  return absl::OkStatus();
}

int64_t OpenLoop::abandoned() const {
  absl::MutexLock lock(&state_->mu);
  return state_->abandoned;
}

absl::Status OpenLoop::first_failure() const {
  absl::MutexLock lock(&state_->mu);
  return state_->tally.first_failure;
}

absl::Status OpenLoop::failures() const {
  absl::MutexLock lock(&state_->mu);
  return state_->tally.ToStatus(state_->dispatched);
}

std::vector<absl::Duration> OpenLoop::TakeLatencies() {
  absl::MutexLock lock(&state_->mu);
  return std::move(state_->latencies);
}

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
  OpenLoop load(sink, options.rate_per_s, options.lanes, counters);
  load.Start(options.warmup, options.window);
  // The backlog gets drain_timeout after the last due time, then those in
  // flight get drain_timeout more.
  load.AwaitDone(options.drain_timeout);
  RETURN_IF_ERROR(load.Stop(options.drain_timeout));
  RETURN_IF_ERROR(load.failures());
  return LatencyStats{.rate_per_s = options.rate_per_s,
                      .lanes = options.lanes,
                      .latency = Summarize(load.TakeLatencies()),
                      .abandoned = load.abandoned(),
                      .backpressure_retries = counters.backpressure_retries.load()};
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

std::function<std::string()> AckRateDetail(const PhaseCounters& counters, int64_t message_bytes) {
  return [&counters, message_bytes, at = absl::Now(), last = int64_t{0}]() mutable {
    const absl::Time now = absl::Now();
    const int64_t acked = counters.acked.load();
    const double seconds = absl::ToDoubleSeconds(now - at);
    const double rate = seconds > 0 ? static_cast<double>(acked - last) / seconds : 0;
    at = now;
    last = acked;
    return absl::StrCat("acked=", acked, "  ",
                        message_bytes > 0
                            ? absl::StrCat(FormatSignificant(rate * ToMb(message_bytes)), " MB/s")
                            : absl::StrCat(FormatSignificant(rate), " msg/s"),
                        CountersDetail(counters));
  };
}

}  // namespace ingest::bench
