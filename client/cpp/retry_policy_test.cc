#include "client/cpp/retry_policy.h"

#include <random>

#include "absl/random/mock_distributions.h"
#include "absl/random/mocking_bit_gen.h"
#include "absl/random/random.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ingest::client {
namespace {

using Action = RetryDecision::Action;
using ::testing::_;

AttemptOutcome Outcome(absl::StatusCode code, int attempt = 1,
                       std::optional<absl::Duration> pushback = std::nullopt,
                       absl::Duration elapsed = absl::ZeroDuration(), bool can_stream = false) {
  AttemptOutcome outcome;
  outcome.code = code;
  outcome.attempt = attempt;
  outcome.pushback = pushback;
  outcome.elapsed = elapsed;
  outcome.can_stream = can_stream;
  return outcome;
}

// A random source that draws the top (or the bottom) of every uniform range,
// so a wait is exactly the backoff ceiling (or zero).
class EdgeGen {
 public:
  explicit EdgeGen(bool top) {
    ON_CALL(absl::MockUniform<int64_t>(), Call(absl::IntervalClosed, gen_, _, _))
        .WillByDefault([top](absl::IntervalClosedClosedTag, int64_t lo, int64_t hi) { return top ? hi : lo; });
  }
  operator absl::BitGenRef() { return gen_; }

 private:
  absl::MockingBitGen gen_;
};

struct MaxGen : EdgeGen {
  MaxGen() : EdgeGen(true) {}
};
struct MinGen : EdgeGen {
  MinGen() : EdgeGen(false) {}
};

TEST(ClassifyTest, EveryStatusOfTheContract) {
  using absl::StatusCode;
  EXPECT_EQ(Classify(StatusCode::kOk, false), StatusClass::kOk);
  EXPECT_EQ(Classify(StatusCode::kUnavailable, false), StatusClass::kRetryable);
  EXPECT_EQ(Classify(StatusCode::kDeadlineExceeded, false), StatusClass::kRetryable);
  EXPECT_EQ(Classify(StatusCode::kAborted, false), StatusClass::kRetryable);
  EXPECT_EQ(Classify(StatusCode::kCancelled, false), StatusClass::kRetryable);
  EXPECT_EQ(Classify(StatusCode::kResourceExhausted, true), StatusClass::kRetryable);
  EXPECT_EQ(Classify(StatusCode::kResourceExhausted, false), StatusClass::kTooLargeForTransport);
  for (StatusCode code : {StatusCode::kInvalidArgument,
                          StatusCode::kUnauthenticated, StatusCode::kPermissionDenied,
                          StatusCode::kInternal, StatusCode::kUnknown, StatusCode::kUnimplemented,
                          StatusCode::kNotFound, StatusCode::kAlreadyExists,
                          StatusCode::kFailedPrecondition, StatusCode::kOutOfRange,
                          StatusCode::kDataLoss}) {
    EXPECT_EQ(Classify(code, false), StatusClass::kFinal) << absl::StatusCodeToString(code);
    // A pushback does not make a final status retryable.
    EXPECT_EQ(Classify(code, true), StatusClass::kFinal) << absl::StatusCodeToString(code);
  }
}

TEST(RetryPolicyTest, RetriesTheRetryableStatuses) {
  RetryPolicy policy;
  absl::BitGen gen;
  for (absl::StatusCode code :
       {absl::StatusCode::kUnavailable, absl::StatusCode::kDeadlineExceeded,
        absl::StatusCode::kAborted, absl::StatusCode::kCancelled}) {
    const RetryDecision decision = policy.Decide(Outcome(code), gen);
    EXPECT_EQ(decision.action, Action::kRetry) << absl::StatusCodeToString(code);
    EXPECT_LE(decision.wait, absl::Milliseconds(100));
  }
}

TEST(RetryPolicyTest, ReturnsOkAndFinalStatusesAtOnce) {
  RetryPolicy policy;
  absl::BitGen gen;
  EXPECT_EQ(policy.Decide(Outcome(absl::StatusCode::kOk), gen).action, Action::kReturn);
  for (absl::StatusCode code :
       {absl::StatusCode::kInvalidArgument, absl::StatusCode::kUnauthenticated, absl::StatusCode::kPermissionDenied,
        absl::StatusCode::kInternal, absl::StatusCode::kUnknown,
        absl::StatusCode::kUnimplemented}) {
    const RetryDecision decision =
        policy.Decide(Outcome(code, 1, absl::Milliseconds(5), absl::ZeroDuration(), true), gen);
    EXPECT_EQ(decision.action, Action::kReturn) << absl::StatusCodeToString(code);
    EXPECT_FALSE(decision.gave_up);
    EXPECT_EQ(decision.wait, absl::ZeroDuration());
  }
}

TEST(RetryPolicyTest, ResourceExhaustedWithPushbackWaitsAtLeastThePushback) {
  RetryPolicy policy;
  MinGen gen;  // backoff 0: the pushback alone sets the wait
  const RetryDecision decision = policy.Decide(
      Outcome(absl::StatusCode::kResourceExhausted, 1, absl::Milliseconds(750)), gen);
  EXPECT_EQ(decision.action, Action::kRetry);
  EXPECT_EQ(decision.wait, absl::Milliseconds(750));
}

TEST(RetryPolicyTest, PushbackAboveTheCapIsStillHonoured) {
  RetryPolicy policy;
  MaxGen gen;
  const RetryDecision decision =
      policy.Decide(Outcome(absl::StatusCode::kUnavailable, 20, absl::Seconds(30)), gen);
  EXPECT_EQ(decision.action, Action::kRetry);
  EXPECT_EQ(decision.wait, absl::Seconds(30));
}

TEST(RetryPolicyTest, BackoffLongerThanThePushbackWins) {
  RetryPolicy policy;
  MaxGen gen;  // attempt 4: ceiling 800 ms
  const RetryDecision decision = policy.Decide(
      Outcome(absl::StatusCode::kResourceExhausted, 4, absl::Milliseconds(10)), gen);
  EXPECT_EQ(decision.action, Action::kRetry);
  EXPECT_EQ(decision.wait, absl::Milliseconds(800));
}

TEST(RetryPolicyTest, ResourceExhaustedWithoutPushbackStreamsAPayloadAndIsFinalOtherwise) {
  RetryPolicy policy;
  absl::BitGen gen;
  const RetryDecision payload = policy.Decide(
      Outcome(absl::StatusCode::kResourceExhausted, 1, std::nullopt, absl::ZeroDuration(), true),
      gen);
  EXPECT_EQ(payload.action, Action::kRetryAsStream);
  EXPECT_EQ(payload.wait, absl::ZeroDuration());
  const RetryDecision other =
      policy.Decide(Outcome(absl::StatusCode::kResourceExhausted, 1), gen);
  EXPECT_EQ(other.action, Action::kReturn);
  EXPECT_FALSE(other.gave_up);
  EXPECT_NE(other.reason.find("too large"), std::string::npos) << other.reason;
}

TEST(RetryPolicyTest, BackoffDoublesFromTheBaseUpToTheCap) {
  RetryPolicy policy;  // 100 ms, 10 s
  MaxGen gen;
  const absl::Duration expected[] = {
      absl::Milliseconds(100),  absl::Milliseconds(200),  absl::Milliseconds(400),
      absl::Milliseconds(800),  absl::Milliseconds(1600), absl::Milliseconds(3200),
      absl::Milliseconds(6400), absl::Seconds(10),        absl::Seconds(10)};
  for (int attempt = 1; attempt <= 9; ++attempt) {
    EXPECT_EQ(policy.BackoffCeiling(attempt), expected[attempt - 1]) << attempt;
    EXPECT_EQ(policy.Decide(Outcome(absl::StatusCode::kUnavailable, attempt), gen).wait,
              expected[attempt - 1])
        << attempt;
  }
  // Far past the cap: no overflow.
  EXPECT_EQ(policy.BackoffCeiling(1000000), absl::Seconds(10));
  EXPECT_EQ(policy.Decide(Outcome(absl::StatusCode::kUnavailable, 1000000), gen).wait,
            absl::Seconds(10));
}

TEST(RetryPolicyTest, FullJitterStaysWithinZeroAndTheCeilingAndSpreads) {
  RetryPolicy policy;
  std::mt19937_64 gen(42);
  for (int attempt : {1, 3, 12}) {
    const absl::Duration ceiling = policy.BackoffCeiling(attempt);
    absl::Duration lowest = absl::InfiniteDuration();
    absl::Duration highest = absl::ZeroDuration();
    for (int i = 0; i < 2000; ++i) {
      const absl::Duration wait =
          policy.Decide(Outcome(absl::StatusCode::kUnavailable, attempt), gen).wait;
      ASSERT_GE(wait, absl::ZeroDuration());
      ASSERT_LE(wait, ceiling);
      lowest = std::min(lowest, wait);
      highest = std::max(highest, wait);
    }
    // Full jitter: the draws cover the range, not just its top half.
    EXPECT_LT(lowest, ceiling / 10) << attempt;
    EXPECT_GT(highest, ceiling * 9 / 10) << attempt;
  }
  MinGen min_gen;
  EXPECT_EQ(policy.Decide(Outcome(absl::StatusCode::kUnavailable, 5), min_gen).wait,
            absl::ZeroDuration());
}

TEST(RetryPolicyTest, GivesUpAfterMaxAttempts) {
  RetryPolicyOptions options;
  options.max_attempts = 3;
  RetryPolicy policy(options);
  absl::BitGen gen;
  EXPECT_EQ(policy.Decide(Outcome(absl::StatusCode::kUnavailable, 1), gen).action, Action::kRetry);
  EXPECT_EQ(policy.Decide(Outcome(absl::StatusCode::kUnavailable, 2), gen).action, Action::kRetry);
  const RetryDecision third = policy.Decide(Outcome(absl::StatusCode::kUnavailable, 3), gen);
  EXPECT_EQ(third.action, Action::kReturn);
  EXPECT_TRUE(third.gave_up);
  EXPECT_NE(third.reason.find("gave up after 3 attempts"), std::string::npos) << third.reason;
  // The stream fallback counts as an attempt too.
  EXPECT_EQ(policy
                .Decide(Outcome(absl::StatusCode::kResourceExhausted, 3, std::nullopt,
                                absl::ZeroDuration(), true),
                        gen)
                .action,
            Action::kReturn);
}

TEST(RetryPolicyTest, ZeroMaxAttemptsMeansNoLimit) {
  RetryPolicyOptions options;
  options.max_attempts = 0;
  options.max_elapsed = absl::InfiniteDuration();
  RetryPolicy policy(options);
  absl::BitGen gen;
  EXPECT_EQ(policy.Decide(Outcome(absl::StatusCode::kUnavailable, 100000), gen).action,
            Action::kRetry);
}

TEST(RetryPolicyTest, GivesUpWhenTheNextWaitWouldPassMaxElapsed) {
  RetryPolicy policy;  // 5 minutes
  MaxGen gen;
  // 4m59s in, a 10 s wait would end past 5 minutes.
  const RetryDecision late = policy.Decide(
      Outcome(absl::StatusCode::kUnavailable, 40, std::nullopt, absl::Seconds(299)), gen);
  EXPECT_EQ(late.action, Action::kReturn);
  EXPECT_TRUE(late.gave_up);
  EXPECT_NE(late.reason.find("gave up after 40 attempts over 4m59s"), std::string::npos)
      << late.reason;
  // 4m40s in, it would not.
  EXPECT_EQ(policy
                .Decide(Outcome(absl::StatusCode::kUnavailable, 40, std::nullopt,
                                absl::Seconds(280)),
                        gen)
                .action,
            Action::kRetry);
  // A pushback that would pass the limit gives up too.
  EXPECT_TRUE(policy
                  .Decide(Outcome(absl::StatusCode::kResourceExhausted, 1, absl::Seconds(60),
                                  absl::Seconds(250)),
                          gen)
                  .gave_up);
  // Past the limit already: give up even with a zero wait.
  MinGen min_gen;
  EXPECT_TRUE(policy
                  .Decide(Outcome(absl::StatusCode::kUnavailable, 2, std::nullopt,
                                  absl::Minutes(6)),
                          min_gen)
                  .gave_up);
}

TEST(RetryPolicyTest, ValidateRefusesBadOptions) {
  EXPECT_TRUE(RetryPolicy::Validate({}).ok());
  RetryPolicyOptions options;
  options.initial_backoff = absl::ZeroDuration();
  EXPECT_EQ(RetryPolicy::Validate(options).code(), absl::StatusCode::kInvalidArgument);
  options = {};
  options.max_backoff = absl::Milliseconds(50);
  EXPECT_EQ(RetryPolicy::Validate(options).code(), absl::StatusCode::kInvalidArgument);
  options = {};
  options.max_attempts = -1;
  EXPECT_EQ(RetryPolicy::Validate(options).code(), absl::StatusCode::kInvalidArgument);
  options = {};
  options.max_elapsed = absl::ZeroDuration();
  EXPECT_EQ(RetryPolicy::Validate(options).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ingest::client
