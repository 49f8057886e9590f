#include "services/common/retry/recovery_budget.h"

#include "gtest/gtest.h"

namespace ingest {
namespace {

class RecoveryBudgetTest : public ::testing::Test {
 protected:
  absl::Time now_ = absl::FromUnixSeconds(1000);
  RecoveryBudget budget_{{.initial_backoff = absl::Seconds(1),
                          .max_backoff = absl::Seconds(4),
                          .max_failures = 4},
                         [this] { return now_; }};
};

TEST_F(RecoveryBudgetTest, TheFirstFailureIsReplacedAtOnce) {
  EXPECT_TRUE(budget_.AttemptDue());
  budget_.Failed(absl::FailedPreconditionError("fenced"));
  EXPECT_TRUE(budget_.AttemptDue());
  EXPECT_EQ(budget_.consecutive_failures(), 1);
  EXPECT_EQ(budget_.last_failure().message(), "fenced");
  EXPECT_FALSE(budget_.Exhausted());
}

TEST_F(RecoveryBudgetTest, RepeatedFailuresBackOffExponentiallyUpToTheCap) {
  budget_.Failed(absl::UnavailableError("1"));
  budget_.Failed(absl::UnavailableError("2"));
  EXPECT_EQ(budget_.next_attempt(), now_ + absl::Seconds(1));
  EXPECT_FALSE(budget_.AttemptDue());
  budget_.Failed(absl::UnavailableError("3"));
  EXPECT_EQ(budget_.next_attempt(), now_ + absl::Seconds(2));
  now_ += absl::Seconds(2);
  EXPECT_TRUE(budget_.AttemptDue());
}

TEST_F(RecoveryBudgetTest, IsExhaustedAfterMaxConsecutiveFailures) {
  for (int i = 0; i < 3; ++i) budget_.Failed(absl::UnavailableError("again"));
  EXPECT_FALSE(budget_.Exhausted());
  budget_.Failed(absl::UnavailableError("again"));
  EXPECT_TRUE(budget_.Exhausted());
}

TEST_F(RecoveryBudgetTest, TroubleShowsFromTheSecondFailureAndGivingUpAtTheBound) {
  budget_.Failed(absl::UnavailableError("fenced"));
  EXPECT_TRUE(budget_.TroubleStatus("the consumer").ok());
  EXPECT_TRUE(budget_.GaveUpStatus("the consumer").ok());
  budget_.Failed(absl::UnavailableError("fenced again"));
  EXPECT_EQ(budget_.TroubleStatus("the consumer"),
            absl::UnavailableError("the consumer is being replaced after 2 failures in a row; "
                                   "last: fenced again"));
  budget_.Failed(absl::UnavailableError("x"));
  budget_.Failed(absl::UnavailableError("y"));
  EXPECT_EQ(budget_.GaveUpStatus("the consumer"),
            absl::FailedPreconditionError(
                "the consumer failed 4 times in a row without recovering; last: y"));
  EXPECT_EQ(budget_.TroubleStatus("the consumer"), budget_.GaveUpStatus("the consumer"));
}

TEST_F(RecoveryBudgetTest, ASuccessStartsTheCountAgain) {
  for (int i = 0; i < 3; ++i) budget_.Failed(absl::UnavailableError("again"));
  budget_.Succeeded();
  EXPECT_EQ(budget_.consecutive_failures(), 0);
  EXPECT_TRUE(budget_.AttemptDue());
  budget_.Failed(absl::UnavailableError("once more"));
  EXPECT_TRUE(budget_.AttemptDue());
  EXPECT_FALSE(budget_.Exhausted());
}

}  // namespace
}  // namespace ingest
