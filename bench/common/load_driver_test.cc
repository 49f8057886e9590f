// The open loop against a sink that acknowledges after a fixed delay: the
// rate, one message per lane at a time, the backlog a slow sink builds and
// what Stop does with it, failures, and RunOpenLoop's latencies. (The closed
// loop is exercised with the SDK's sink in sdk_sink_test.)

#include "bench/common/load_driver.h"

#include <atomic>
#include <memory>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "client/cpp/clock.h"
#include "gtest/gtest.h"
#include "tests/testing/polling.h"

namespace ingest::bench {
namespace {

constexpr absl::Duration kPoll = absl::Milliseconds(5);

// Acknowledges every message `delay` after it is sent (failing every
// `fail_every`-th), on a timer thread; notes whether a lane ever had two
// messages out.
class DelayedSink final : public MessageSink {
 public:
  DelayedSink(int lanes, absl::Duration delay, int fail_every = 0)
      : lanes_(lanes), delay_(delay), fail_every_(fail_every) {}
  int lane_count() const override { return lanes_; }
  void Send(int lane, AckCallback done) override {
    const int64_t n = ++sent_;
    const bool fail = fail_every_ > 0 && n % fail_every_ == 0;
    if (busy_[lane % 64].exchange(true)) overlapped_ = true;
    clock_->RunAfter(delay_, [this, lane, fail, done = std::move(done)]() mutable {
      busy_[lane % 64] = false;
      std::move(done)(Ack{fail ? absl::UnavailableError("down") : absl::OkStatus(),
                          /*backpressure_retries=*/1});
    });
  }
  int64_t sent() const { return sent_.load(); }
  bool overlapped() const { return overlapped_.load(); }

 private:
  const int lanes_;
  const absl::Duration delay_;
  const int fail_every_;
  std::atomic<int64_t> sent_{0};
  std::atomic<bool> busy_[64] = {};
  std::atomic<bool> overlapped_{false};
  const std::unique_ptr<client::Clock> clock_ = client::CreateSystemClock();
};

// No test here sleeps and then expects a rate: on two busy cores that would
// flake. They wait for a condition, then check what must hold at any speed.

TEST(OpenLoopTest, NeverRunsAheadOfTheScheduleAndDrainsOnStop) {
  DelayedSink sink(8, absl::Milliseconds(2));
  PhaseCounters counters;
  OpenLoop load(sink, 500, 8, counters);
  load.Start();
  ASSERT_TRUE(WaitUntil(
      absl::Seconds(30), [&] { return sink.sent() >= 100; }, kPoll));
  ASSERT_TRUE(load.Stop(absl::Seconds(10)).ok());
  // Sent or abandoned, a message was due: the loop never sends early.
  EXPECT_LE(sink.sent() + load.abandoned(), load.DueCount(absl::Now()));
  EXPECT_EQ(counters.acked.load(), sink.sent());
  EXPECT_EQ(counters.backpressure_retries.load(), sink.sent());
  EXPECT_EQ(counters.backlog.load(), 0);
  EXPECT_TRUE(load.TakeLatencies().empty());  // Start() keeps none
  EXPECT_FALSE(sink.overlapped());
}

TEST(OpenLoopTest, ASlowSinkBuildsABacklogThatStopDrops) {
  // One lane that takes 50 ms per message at 200 msgs/s.
  DelayedSink sink(1, absl::Milliseconds(50));
  PhaseCounters counters;
  OpenLoop load(sink, 200, 1, counters);
  load.Start();
  ASSERT_TRUE(WaitUntil(
      absl::Seconds(30), [&] { return counters.backlog.load() > 20; }, kPoll));
  ASSERT_TRUE(load.Stop(absl::Seconds(10)).ok());
  const absl::Duration ran = absl::Now() - load.start();
  EXPECT_GT(load.abandoned(), 0);
  EXPECT_EQ(counters.backlog.load(), 0);
  // The sink's own pace bounds what went out, whatever the machine did.
  EXPECT_LE(sink.sent(), ran / absl::Milliseconds(50) + 1);
  EXPECT_FALSE(sink.overlapped());
}

TEST(OpenLoopTest, CountsFailuresAndKeepsTheFirst) {
  DelayedSink sink(4, absl::Milliseconds(1), /*fail_every=*/3);
  PhaseCounters counters;
  OpenLoop load(sink, 300, 4, counters);
  load.Start();
  ASSERT_TRUE(WaitUntil(
      absl::Seconds(30), [&] { return counters.errors.load() >= 2; }, kPoll));
  ASSERT_TRUE(load.Stop(absl::Seconds(10)).ok());
  EXPECT_EQ(counters.errors.load() + counters.acked.load(), sink.sent());
  EXPECT_EQ(load.first_failure().ToString(), "UNAVAILABLE: down");
  EXPECT_EQ(load.failures().code(), absl::StatusCode::kUnavailable);
}

TEST(RunOpenLoopTest, MeasuresTheWindowFromEachDueTime) {
  DelayedSink sink(4, absl::Milliseconds(20));
  PhaseCounters counters;
  absl::StatusOr<LatencyStats> stats = RunOpenLoop(sink,
                                                   {.rate_per_s = 100,
                                                    .lanes = 4,
                                                    .warmup = absl::Milliseconds(100),
                                                    .window = absl::Milliseconds(300),
                                                    .drain_timeout = absl::Seconds(5)},
                                                   counters);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(sink.sent(), 40);  // due in warm-up + window, no more
  EXPECT_EQ(stats->latency.count, 30);
  EXPECT_GE(stats->latency.p50, absl::Milliseconds(20));
  EXPECT_EQ(stats->abandoned, 0);
  EXPECT_EQ(stats->backpressure_retries, 40);
  EXPECT_FALSE(sink.overlapped());
}

TEST(RunOpenLoopTest, AbandonsWhatASlowSinkNeverTookAndCountsItsWait) {
  // One lane at 50 ms per message, 100 due per second: most never go out.
  DelayedSink sink(1, absl::Milliseconds(50));
  PhaseCounters counters;
  absl::StatusOr<LatencyStats> stats = RunOpenLoop(sink,
                                                   {.rate_per_s = 100,
                                                    .lanes = 1,
                                                    .warmup = absl::ZeroDuration(),
                                                    .window = absl::Milliseconds(300),
                                                    .drain_timeout = absl::Milliseconds(100)},
                                                   counters);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_GT(stats->abandoned, 10);
  EXPECT_EQ(stats->latency.count, 30);  // the abandoned ones too, as a lower bound
  EXPECT_GT(stats->latency.max, absl::Milliseconds(100));
  EXPECT_EQ(counters.backlog.load(), 0);
}

TEST(RunOpenLoopTest, FailsWithTheCountAndTheFirstFailure) {
  DelayedSink sink(2, absl::Milliseconds(1), /*fail_every=*/2);
  PhaseCounters counters;
  absl::StatusOr<LatencyStats> stats = RunOpenLoop(sink,
                                                   {.rate_per_s = 100,
                                                    .lanes = 2,
                                                    .warmup = absl::ZeroDuration(),
                                                    .window = absl::Milliseconds(100)},
                                                   counters);
  EXPECT_EQ(stats.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(stats.status().message(), "5 of 10 messages failed; the first: down");
  EXPECT_FALSE(RunOpenLoop(sink, {.lanes = 3}, counters).ok());  // more lanes than the sink's
}

TEST(AckRateDetailTest, RateSinceThePreviousCallThenTheCounters) {
  PhaseCounters counters;
  const std::function<std::string()> in_mb = AckRateDetail(counters, int64_t{2} << 20);
  const std::function<std::string()> in_messages = AckRateDetail(counters);
  counters.acked = 10;
  counters.errors = 1;
  absl::SleepFor(absl::Milliseconds(100));
  const std::string mb = in_mb();
  EXPECT_TRUE(absl::StartsWith(mb, "acked=10  ")) << mb;
  EXPECT_TRUE(absl::EndsWith(mb, " MB/s  errors=1")) << mb;
  EXPECT_TRUE(absl::EndsWith(in_messages(), " msg/s  errors=1"));
  EXPECT_EQ(in_mb(), "acked=10  0 MB/s  errors=1");  // nothing since the previous call
}

}  // namespace
}  // namespace ingest::bench
