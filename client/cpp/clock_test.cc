#include "client/cpp/clock.h"

#include <atomic>
#include <memory>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "client/cpp/testing/fake_clock.h"
#include "gtest/gtest.h"

namespace ingest::client {
namespace {

TEST(ClockTest, AFakeClocksSleepPassesAtOnceAndIsRecorded) {
  testing::FakeClock clock(absl::FromUnixSeconds(100));
  clock.SleepFor(absl::Seconds(2));
  clock.SleepFor(absl::ZeroDuration());
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(102));
  EXPECT_EQ(clock.waits(), (std::vector<absl::Duration>{absl::Seconds(2), absl::ZeroDuration()}));
}

TEST(ClockTest, TheSharedSystemClockSleepsAndRunsLater) {
  Clock& clock = SharedSystemClock();
  EXPECT_EQ(&clock, &SharedSystemClock());
  const absl::Time start = absl::Now();
  clock.SleepFor(absl::Milliseconds(20));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(20));

  absl::Notification ran;
  clock.RunAfter(absl::Milliseconds(5), [&ran] { ran.Notify(); });
  EXPECT_TRUE(ran.WaitForNotificationWithTimeout(absl::Seconds(30)));
}

// A Clock that only implements RunAfter gets SleepFor from it.
TEST(ClockTest, SleepForDefaultsToARunAfterWaitedFor) {
  class Delegating final : public Clock {
   public:
    absl::Time Now() override { return absl::Now(); }
    void RunAfter(absl::Duration delay, absl::AnyInvocable<void() &&> fn) override {
      delays.push_back(delay);
      system_->RunAfter(delay, std::move(fn));
    }
    std::vector<absl::Duration> delays;

   private:
    std::unique_ptr<Clock> system_ = CreateSystemClock();
  } clock;
  clock.SleepFor(absl::Milliseconds(10));
  EXPECT_EQ(clock.delays, (std::vector<absl::Duration>{absl::Milliseconds(10)}));
}

}  // namespace
}  // namespace ingest::client
