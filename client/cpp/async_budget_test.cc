#include "client/cpp/async_budget.h"

#include <atomic>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace ingest::client {
namespace {

TEST(AsyncBudgetTest, TryAcquireRefusesWhatDoesNotFit) {
  AsyncBudget budget(100, 3);
  EXPECT_TRUE(budget.TryAcquire(60));
  EXPECT_FALSE(budget.TryAcquire(50));  // 110 > 100
  EXPECT_TRUE(budget.TryAcquire(40));
  EXPECT_EQ(budget.bytes_in_flight(), 100);
  budget.Release(60);
  EXPECT_TRUE(budget.TryAcquire(10));
  EXPECT_TRUE(budget.TryAcquire(10));
  EXPECT_FALSE(budget.TryAcquire(1));  // 3 calls
  EXPECT_EQ(budget.peak_calls(), 3);
  EXPECT_EQ(budget.peak_bytes(), 100);
}

TEST(AsyncBudgetTest, APayloadLargerThanTheBudgetGoesAlone) {
  AsyncBudget budget(100, 3);
  EXPECT_TRUE(budget.TryAcquire(500));
  EXPECT_FALSE(budget.TryAcquire(1));
  budget.Release(500);
  EXPECT_TRUE(budget.TryAcquire(1));
  EXPECT_FALSE(budget.TryAcquire(500));
}

TEST(AsyncBudgetTest, AcquireBlocksUntilReleased) {
  AsyncBudget budget(100, 10);
  budget.Acquire(80);
  std::atomic<bool> acquired{false};
  std::thread waiter([&] {
    budget.Acquire(50);
    acquired.store(true);
  });
  // It cannot have acquired: 130 > 100. (A wrong implementation would set it
  // at once; give it a moment to show that, then release.)
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_FALSE(acquired.load());
  budget.Release(80);
  waiter.join();
  EXPECT_TRUE(acquired.load());
  EXPECT_EQ(budget.bytes_in_flight(), 50);
  EXPECT_EQ(budget.peak_bytes(), 80);
}

TEST(AsyncBudgetTest, WaitUntilEmptyReturnsOnceAllAreReleased) {
  AsyncBudget budget(100, 10);
  budget.Acquire(10);
  budget.Acquire(10);
  std::thread releaser([&] {
    budget.Release(10);
    budget.Release(10);
  });
  budget.WaitUntilEmpty();
  EXPECT_EQ(budget.calls_in_flight(), 0);
  releaser.join();
}

}  // namespace
}  // namespace ingest::client
