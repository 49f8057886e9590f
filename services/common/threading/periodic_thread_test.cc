#include "services/common/threading/periodic_thread.h"

#include <atomic>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace ingest {
namespace {

TEST(PeriodicThreadTest, TicksRepeatedlyUntilStopped) {
  std::atomic<int> ticks{0};
  absl::Notification three;
  PeriodicThread thread(absl::Milliseconds(1), [&] {
    if (++ticks == 3) three.Notify();
  });
  // A condition with a generous deadline, not a guess at the timing.
  ASSERT_TRUE(three.WaitForNotificationWithTimeout(absl::Seconds(30)));
  thread.Stop();
  const int after_stop = ticks.load();
  thread.Stop();  // idempotent
  EXPECT_EQ(ticks.load(), after_stop) << "no tick after Stop() returned";
}

TEST(PeriodicThreadTest, StopReturnsWithoutWaitingForTheInterval) {
  PeriodicThread thread(absl::Hours(1), [] { FAIL() << "ticked before its interval"; });
  thread.Stop();  // would hang for an hour if Stop() waited for the tick
}

}  // namespace
}  // namespace ingest
