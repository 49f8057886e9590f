#include "bench/e2e/paced_load.h"

#include <atomic>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "bench/common/timer.h"

namespace ingest::bench_e2e {
namespace {

// Acknowledges every message `delay` after it is sent (failing every
// `fail_every`-th), on the timer's thread.
class DelayedSink final : public bench::MessageSink {
 public:
  DelayedSink(int lanes, absl::Duration delay, int fail_every = 0)
      : lanes_(lanes), delay_(delay), fail_every_(fail_every) {}
  int lane_count() const override { return lanes_; }
  void Send(int lane, bench::AckCallback done) override {
    const int64_t n = ++sent_;
    const bool fail = fail_every_ > 0 && n % fail_every_ == 0;
    if (busy_[lane % 64].exchange(true)) overlapped_ = true;
    timer_.After(delay_, [this, lane, fail, done = std::move(done)]() mutable {
      busy_[lane % 64] = false;
      std::move(done)(bench::Ack{
          fail ? absl::UnavailableError("down") : absl::OkStatus(), /*backpressure_retries=*/1});
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
  bench::Timer timer_;
};

TEST(PacedLoadTest, SendsAtTheRateAndDrainsOnStop) {
  DelayedSink sink(8, absl::Milliseconds(2));
  PacedLoad load(sink, 500, 8);
  load.Start();
  absl::SleepFor(absl::Milliseconds(400));
  ASSERT_TRUE(load.Stop(absl::Seconds(10)).ok());
  const int64_t due = load.DueCount(load.start() + absl::Milliseconds(400));
  EXPECT_NEAR(static_cast<double>(sink.sent()), static_cast<double>(due), 0.25 * due);
  EXPECT_EQ(load.counters().acked.load(), sink.sent());
  EXPECT_EQ(load.counters().backpressure_retries.load(), sink.sent());
  EXPECT_EQ(load.counters().backlog.load(), 0);
  EXPECT_EQ(load.abandoned(), 0);
  EXPECT_FALSE(sink.overlapped());
}

TEST(PacedLoadTest, ASlowSinkBuildsABacklogThatStopDrops) {
  // One lane that takes 50 ms per message at 200 msgs/s: 1 in 10 gets out.
  DelayedSink sink(1, absl::Milliseconds(50));
  PacedLoad load(sink, 200, 1);
  load.Start();
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_GT(load.counters().backlog.load(), 20);
  ASSERT_TRUE(load.Stop(absl::Seconds(10)).ok());
  EXPECT_GT(load.abandoned(), 20);
  EXPECT_EQ(load.counters().backlog.load(), 0);
  EXPECT_LT(sink.sent(), 15);
  EXPECT_FALSE(sink.overlapped());
}

TEST(PacedLoadTest, CountsFailuresAndKeepsTheFirst) {
  DelayedSink sink(4, absl::Milliseconds(1), /*fail_every=*/3);
  PacedLoad load(sink, 300, 4);
  load.Start();
  absl::SleepFor(absl::Milliseconds(200));
  ASSERT_TRUE(load.Stop(absl::Seconds(10)).ok());
  EXPECT_GT(load.counters().errors.load(), 0);
  EXPECT_EQ(load.counters().errors.load() + load.counters().acked.load(), sink.sent());
  EXPECT_EQ(load.first_error(), "UNAVAILABLE: down");
}

}  // namespace
}  // namespace ingest::bench_e2e
