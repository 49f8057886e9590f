#include "tools/chaos/call_policy.h"

#include <deque>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "tools/loadgen/fake_clock.h"

namespace ingest::chaos {
namespace {

TEST(IsRetryableTest, RetriesWhatATransportOrAnOutageCauses) {
  for (absl::StatusCode code :
       {absl::StatusCode::kUnavailable, absl::StatusCode::kDeadlineExceeded,
        absl::StatusCode::kResourceExhausted, absl::StatusCode::kCancelled,
        absl::StatusCode::kUnknown, absl::StatusCode::kInternal, absl::StatusCode::kAborted}) {
    EXPECT_TRUE(IsRetryable(absl::Status(code, "x"))) << code;
  }
  for (absl::StatusCode code :
       {absl::StatusCode::kOk, absl::StatusCode::kInvalidArgument,
        absl::StatusCode::kUnauthenticated, absl::StatusCode::kPermissionDenied,
        absl::StatusCode::kFailedPrecondition, absl::StatusCode::kNotFound,
        absl::StatusCode::kUnimplemented, absl::StatusCode::kDataLoss}) {
    EXPECT_FALSE(IsRetryable(absl::Status(code, "x"))) << code;
  }
}

TEST(GatewayForAttemptTest, FirstAttemptsSpreadAndRetriesMoveOn) {
  EXPECT_EQ(GatewayForAttempt(0, 1, 2), 0);
  EXPECT_EQ(GatewayForAttempt(0, 2, 2), 1);
  EXPECT_EQ(GatewayForAttempt(0, 3, 2), 0);
  EXPECT_EQ(GatewayForAttempt(1, 1, 2), 1);
  EXPECT_EQ(GatewayForAttempt(1, 2, 2), 0);
  EXPECT_EQ(GatewayForAttempt(5, 1, 3), 2);
  EXPECT_EQ(GatewayForAttempt(5, 2, 3), 0);
  EXPECT_EQ(GatewayForAttempt(7, 4, 1), 0);
}

// Answers from a script; records which gateway each attempt went to.
struct ScriptedAttempts {
  std::deque<absl::Status> script;
  std::vector<int> gateways;

  absl::Status operator()(int gateway, int /*attempt*/) {
    gateways.push_back(gateway);
    if (script.empty()) return absl::OkStatus();
    absl::Status status = script.front();
    script.pop_front();
    return status;
  }
};

TEST(CallWithFailoverTest, RetriesOnTheNextGatewayWithCappedBackoff) {
  loadgen::FakeClock clock;
  std::mt19937_64 jitter(1);
  ScriptedAttempts attempts;
  for (int i = 0; i < 7; ++i) attempts.script.push_back(absl::UnavailableError("down"));
  std::vector<RetryEvent> retries;
  const CallResult result = CallWithFailover(
      CallPolicy{}, /*thread_index=*/1, /*gateway_count=*/2, clock, jitter,
      [&](int gateway, int attempt) { return attempts(gateway, attempt); },
      [&](const RetryEvent& event) { retries.push_back(event); });
  EXPECT_TRUE(result.status.ok());
  EXPECT_EQ(result.attempts, 8);
  EXPECT_EQ(attempts.gateways, (std::vector<int>{1, 0, 1, 0, 1, 0, 1, 0}));
  ASSERT_EQ(retries.size(), 7u);
  const std::vector<absl::Duration> sleeps = clock.sleeps();
  ASSERT_EQ(sleeps.size(), 7u);
  for (size_t i = 0; i < retries.size(); ++i) {
    EXPECT_EQ(retries[i].attempt, static_cast<int>(i) + 1);
    EXPECT_EQ(retries[i].gateway, attempts.gateways[i]);
    EXPECT_EQ(retries[i].delay, sleeps[i]);
    EXPECT_LE(sleeps[i], absl::Seconds(2)) << "capped at 2s";
  }
  EXPECT_GE(sleeps.back(), absl::Seconds(1)) << "equal jitter: at least half the cap";
}

TEST(CallWithFailoverTest, StopsAtANonRetryableStatus) {
  loadgen::FakeClock clock;
  std::mt19937_64 jitter(1);
  ScriptedAttempts attempts;
  attempts.script = {absl::UnavailableError("down"), absl::InvalidArgumentError("bad")};
  int retries = 0;
  const CallResult result = CallWithFailover(
      CallPolicy{}, 0, 1, clock, jitter,
      [&](int gateway, int attempt) { return attempts(gateway, attempt); },
      [&](const RetryEvent&) { ++retries; });
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(result.attempts, 2);
  EXPECT_EQ(retries, 1);
}

TEST(CallWithFailoverTest, GivesUpOnceGiveUpAfterHasPassed) {
  loadgen::FakeClock clock;
  const absl::Time start = clock.Now();
  std::mt19937_64 jitter(1);
  std::vector<absl::Time> attempt_times;
  const CallResult result = CallWithFailover(
      CallPolicy{.give_up_after = absl::Seconds(30)}, 0, 2, clock, jitter,
      [&](int, int) {
        attempt_times.push_back(clock.Now());
        return absl::UnavailableError("still down");
      },
      [](const RetryEvent&) {});
  EXPECT_EQ(result.status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(result.attempts, static_cast<int>(attempt_times.size()));
  // No attempt limit: many attempts, the last one at or after the deadline,
  // the one before it still inside it.
  ASSERT_GE(attempt_times.size(), 15u);
  EXPECT_GE(attempt_times.back() - start, absl::Seconds(30));
  EXPECT_LT(attempt_times[attempt_times.size() - 2] - start, absl::Seconds(30));
}

}  // namespace
}  // namespace ingest::chaos
