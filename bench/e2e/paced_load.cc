#include "bench/e2e/paced_load.h"

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace ingest::bench_e2e {

// Shared with the sink's callbacks, which may outlive the PacedLoad.
struct PacedLoad::State : std::enable_shared_from_this<PacedLoad::State> {
  State(bench::MessageSink& sink, int lane_count) : sink(sink), lanes(lane_count) {}

  struct Lane {
    bool busy = false;
    int64_t queued = 0;
  };

  void Dispatch(int lane) {
    {
      absl::MutexLock lock(&mu);
      if (stopping) return;
      Lane& state = lanes[static_cast<size_t>(lane)];
      if (state.busy) {
        ++state.queued;
        ++counters.backlog;
        return;
      }
      state.busy = true;
      ++in_flight;
    }
    Send(lane);
  }

  void Send(int lane) {
    sink.Send(lane, [self = shared_from_this(), lane](bench::Ack ack) { self->OnAck(lane, ack); });
  }

  void OnAck(int lane, const bench::Ack& ack) {
    bool again = false;
    {
      absl::MutexLock lock(&mu);
      --in_flight;
      counters.backpressure_retries += ack.backpressure_retries;
      if (ack.status.ok()) {
        ++counters.acked;
      } else {
        if (counters.errors.fetch_add(1) == 0) first_error = ack.status.ToString();
      }
      Lane& state = lanes[static_cast<size_t>(lane)];
      if (state.queued > 0 && !stopping) {
        --state.queued;
        --counters.backlog;
        ++in_flight;
        again = true;
      } else {
        state.busy = false;
      }
    }
    if (again) Send(lane);
  }

  bench::MessageSink& sink;
  bench::PhaseCounters counters;
  absl::Mutex mu;
  std::vector<Lane> lanes ABSL_GUARDED_BY(mu);
  int64_t in_flight ABSL_GUARDED_BY(mu) = 0;
  int64_t abandoned ABSL_GUARDED_BY(mu) = 0;
  bool stopping ABSL_GUARDED_BY(mu) = false;
  std::string first_error ABSL_GUARDED_BY(mu);
};

PacedLoad::PacedLoad(bench::MessageSink& sink, double rate_per_s, int lanes)
    : state_(std::make_shared<State>(sink, lanes)),
      schedule_(absl::InfiniteFuture(), rate_per_s) {
  if (lanes < 1 || lanes > sink.lane_count()) {
    std::fprintf(stderr, "PacedLoad: %d lanes, the sink has %d\n", lanes, sink.lane_count());
    std::abort();
  }
}

PacedLoad::~PacedLoad() {
  if (thread_.joinable() && !stopped_) (void)Stop(absl::Seconds(60));
}

void PacedLoad::Start() {
  schedule_ = bench::RateSchedule(absl::Now(), schedule_.per_second());
  thread_ = std::thread([this] { Dispatch(); });
}

void PacedLoad::Dispatch() {
  const int lanes = static_cast<int>(state_->lanes.size());
  int64_t next = 0;
  while (!stop_.HasBeenNotified()) {
    const int64_t due = schedule_.DueCount(absl::Now());
    for (; next < due; ++next) state_->Dispatch(static_cast<int>(next % lanes));
    stop_.WaitForNotificationWithTimeout(schedule_.DueTime(next) - absl::Now());
  }
}

absl::Status PacedLoad::Stop(absl::Duration timeout) {
  stopped_ = true;
  stop_.Notify();
  if (thread_.joinable()) thread_.join();
  absl::MutexLock lock(&state_->mu);
  state_->stopping = true;
  for (State::Lane& lane : state_->lanes) {
    state_->abandoned += lane.queued;
    state_->counters.backlog -= lane.queued;
    lane.queued = 0;
  }
  State& state = *state_;
  const auto drained = [&state]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(state.mu) {
    return state.in_flight == 0;
  };
  if (!state_->mu.AwaitWithTimeout(absl::Condition(&drained), timeout)) {
    return absl::DeadlineExceededError(absl::StrCat(
        state_->in_flight, " messages were still unacknowledged ", absl::FormatDuration(timeout),
        " after the load stopped"));
  }
  return absl::OkStatus();
}

const bench::PhaseCounters& PacedLoad::counters() const { return state_->counters; }

int64_t PacedLoad::abandoned() const {
  absl::MutexLock lock(&state_->mu);
  return state_->abandoned;
}

std::string PacedLoad::first_error() const {
  absl::MutexLock lock(&state_->mu);
  return state_->first_error;
}

}  // namespace ingest::bench_e2e
