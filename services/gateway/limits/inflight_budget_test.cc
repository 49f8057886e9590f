#include "services/gateway/limits/inflight_budget.h"

#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace ingest {
namespace {

TEST(InFlightBudgetTest, RefusesBeyondTheBudgetAndFreesOnRelease) {
  InFlightBudget budget(100);
  EXPECT_TRUE(budget.TryAcquire(60));
  EXPECT_FALSE(budget.TryAcquire(50));
  EXPECT_EQ(budget.in_use(), 60);
  budget.Release(60);
  EXPECT_TRUE(budget.TryAcquire(50));
}

TEST(InFlightBudgetTest, OneOversizedRecordPassesOnlyWhenIdle) {
  InFlightBudget budget(100);
  EXPECT_TRUE(budget.TryAcquire(500));
  EXPECT_FALSE(budget.TryAcquire(1));
}

TEST(InFlightBudgetTest, LeaseReleasesOnceWhenDestroyedOrMoved) {
  InFlightBudget budget(100);
  {
    ASSERT_TRUE(budget.TryAcquire(40));
    BudgetLease lease(&budget, 40);
    BudgetLease moved = std::move(lease);
    EXPECT_EQ(budget.in_use(), 40);
  }
  EXPECT_EQ(budget.in_use(), 0);
}

TEST(InFlightBudgetTest, ConcurrentAcquireNeverOvershoots) {
  InFlightBudget budget(1000);
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        if (budget.TryAcquire(10)) granted.fetch_add(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(granted.load(), 100);
  EXPECT_EQ(budget.in_use(), 1000);
}

}  // namespace
}  // namespace ingest
