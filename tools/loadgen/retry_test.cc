#include "tools/loadgen/retry.h"

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "tools/loadgen/fake_clock.h"

namespace ingest::loadgen {
namespace {

TEST(IsRetryableTest, OnlyTransientCodes) {
  EXPECT_TRUE(IsRetryable(absl::UnavailableError("")));
  EXPECT_TRUE(IsRetryable(absl::DeadlineExceededError("")));
  EXPECT_TRUE(IsRetryable(absl::ResourceExhaustedError("")));
  EXPECT_FALSE(IsRetryable(absl::OkStatus()));
  EXPECT_FALSE(IsRetryable(absl::InvalidArgumentError("")));
  EXPECT_FALSE(IsRetryable(absl::InternalError("")));
  EXPECT_FALSE(IsRetryable(absl::PermissionDeniedError("")));
}

TEST(BackoffDelayTest, GrowsExponentiallyWithinJitterAndIsCapped) {
  const BackoffPolicy policy{.initial = absl::Milliseconds(100),
                             .max = absl::Seconds(2),
                             .multiplier = 2.0};
  std::mt19937_64 gen(1);
  for (int i = 0; i < 200; ++i) {
    const absl::Duration first = BackoffDelay(policy, 1, gen);
    EXPECT_GE(first, absl::Milliseconds(50));
    EXPECT_LE(first, absl::Milliseconds(100));
    const absl::Duration third = BackoffDelay(policy, 3, gen);
    EXPECT_GE(third, absl::Milliseconds(200));
    EXPECT_LE(third, absl::Milliseconds(400));
    const absl::Duration late = BackoffDelay(policy, 60, gen);
    EXPECT_GE(late, absl::Seconds(1));
    EXPECT_LE(late, absl::Seconds(2));
  }
}

TEST(CallWithRetriesTest, RetriesTransientErrorsUntilSuccess) {
  FakeClock clock;
  std::mt19937_64 gen(1);
  std::vector<int> attempts;
  std::vector<int> retried;
  const absl::Status status = CallWithRetries(
      {.max_attempts = 5}, clock, gen,
      [&](int attempt) {
        attempts.push_back(attempt);
        return attempt < 3 ? absl::UnavailableError("broker down")
                           : absl::OkStatus();
      },
      [&](int failed, const absl::Status& s, absl::Duration) {
        retried.push_back(failed);
        EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
      });
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(attempts, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(retried, (std::vector<int>{1, 2}));
  EXPECT_EQ(clock.sleeps().size(), 2u);
}

TEST(CallWithRetriesTest, StopsAfterMaxAttempts) {
  FakeClock clock;
  std::mt19937_64 gen(1);
  int calls = 0;
  const absl::Status status = CallWithRetries(
      {.max_attempts = 4}, clock, gen,
      [&](int) {
        ++calls;
        return absl::DeadlineExceededError("slow");
      },
      nullptr);
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(calls, 4);
  // No pause after the last attempt.
  EXPECT_EQ(clock.sleeps().size(), 3u);
}

TEST(CallWithRetriesTest, DoesNotRetryPermanentErrors) {
  FakeClock clock;
  std::mt19937_64 gen(1);
  int calls = 0;
  const absl::Status status = CallWithRetries(
      {.max_attempts = 8}, clock, gen,
      [&](int) {
        ++calls;
        return absl::InvalidArgumentError("too big");
      },
      nullptr);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(clock.sleeps().empty());
}

TEST(CallWithRetriesTest, PausesFollowTheBackoffPolicy) {
  FakeClock clock;
  std::mt19937_64 gen(1);
  const RetryOptions options{
      .max_attempts = 6,
      .backoff = {.initial = absl::Milliseconds(100),
                  .max = absl::Milliseconds(400),
                  .multiplier = 2.0}};
  (void)CallWithRetries(
      options, clock, gen,
      [](int) { return absl::ResourceExhaustedError("busy"); }, nullptr);
  const std::vector<absl::Duration> sleeps = clock.sleeps();
  ASSERT_EQ(sleeps.size(), 5u);
  const absl::Duration caps[] = {absl::Milliseconds(100),
                                 absl::Milliseconds(200),
                                 absl::Milliseconds(400),
                                 absl::Milliseconds(400),
                                 absl::Milliseconds(400)};
  for (size_t i = 0; i < sleeps.size(); ++i) {
    EXPECT_GE(sleeps[i], caps[i] / 2) << i;
    EXPECT_LE(sleeps[i], caps[i]) << i;
  }
}

}  // namespace
}  // namespace ingest::loadgen
