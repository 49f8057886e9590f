#include "tools/chaos/run_recorder.h"

#include "gtest/gtest.h"

namespace ingest::chaos {
namespace {

const absl::Time kOrigin = absl::FromUnixMillis(1'700'000'000'250);

// Attempt `attempt` of a call, observed at `start` + `took` after the origin;
// `retried`: the SDK tries again.
void Record(RunRecorder& recorder, absl::Duration start, absl::Duration took, absl::Status status,
            int attempt = 1, bool retried = false, const char* gateway = "127.0.0.1:1") {
  client::AttemptInfo info{
      .attempt = attempt, .target = gateway, .status = status, .latency = took};
  if (retried) info.next_wait = absl::Milliseconds(100);
  recorder.RecordAttempt(info, kOrigin + start + took);
}

TEST(RunRecorderTest, KeepsEachAttemptToTheMicrosecondAndCountsAcksPerSecond) {
  RunRecorder recorder(kOrigin);
  Record(recorder, absl::Microseconds(1500), absl::Microseconds(2700), absl::OkStatus());
  Record(recorder, absl::Milliseconds(2500), absl::Seconds(10),
         absl::DeadlineExceededError("slow"));
  recorder.RecordAck(kOrigin + absl::Milliseconds(120));
  recorder.RecordAck(kOrigin + absl::Milliseconds(2100));

  const RunTotals totals = recorder.totals();
  EXPECT_EQ(totals.attempts, 2);
  EXPECT_EQ(totals.errors, 1);
  EXPECT_EQ(totals.acked, 2);
  EXPECT_EQ(totals.retries, 0);

  const RunRecord record = recorder.Snapshot();
  ASSERT_EQ(record.attempts.size(), 2u);
  EXPECT_EQ(record.attempts[0].start_us, 1500);
  EXPECT_EQ(record.attempts[0].end_us(), 4200);
  EXPECT_TRUE(record.attempts[0].ok);
  EXPECT_EQ(record.SecondOf(record.attempts[0]), kOrigin);
  EXPECT_EQ(record.attempts[1].latency_us, 10'000'000);
  EXPECT_FALSE(record.attempts[1].ok);
  EXPECT_EQ(record.SecondOf(record.attempts[1]), kOrigin + absl::Seconds(2));
  EXPECT_EQ(record.acked_per_second, (std::vector<int64_t>{1, 0, 1}));
  EXPECT_EQ(record.last_ack, kOrigin + absl::Milliseconds(2100));
}

TEST(RunRecorderTest, TimesBeforeTheOriginCountAsTheOrigin) {
  RunRecorder recorder(kOrigin);
  Record(recorder, -absl::Seconds(3), absl::Seconds(1), absl::OkStatus());
  recorder.RecordAck(kOrigin - absl::Seconds(1));
  const RunRecord record = recorder.Snapshot();
  ASSERT_EQ(record.attempts.size(), 1u);
  EXPECT_EQ(record.attempts[0].start_us, 0);
  EXPECT_EQ(record.acked_per_second, (std::vector<int64_t>{1}));
}

TEST(RunRecorderTest, NoAckMeansLastAckInThePast) {
  EXPECT_EQ(RunRecorder(kOrigin).Snapshot().last_ack, absl::InfinitePast());
}

TEST(RunRecorderTest, SumsUpRetriesUntilTakenAndOnlyWhenThereWereAny) {
  RunRecorder recorder(kOrigin);
  EXPECT_EQ(recorder.TakeRetries(), std::nullopt);
  Record(recorder, {}, {}, absl::OkStatus());  // a call that never failed
  EXPECT_EQ(recorder.TakeRetries(), std::nullopt);
  Record(recorder, {}, {}, absl::UnavailableError("a"), 1, true, "127.0.0.1:1");
  Record(recorder, {}, {}, absl::UnavailableError("b"), 1, true, "127.0.0.1:2");
  Record(recorder, {}, {}, absl::DeadlineExceededError("c"), 2, true, "127.0.0.1:1");
  std::optional<RetrySummary> retries = recorder.TakeRetries();
  ASSERT_TRUE(retries.has_value());
  EXPECT_EQ(retries->retries, 3);
  EXPECT_EQ(retries->calls_retrying, 2);
  EXPECT_EQ(retries->last_error, absl::DeadlineExceededError("c"));
  EXPECT_EQ(retries->last_gateway, "127.0.0.1:1");
  EXPECT_EQ(recorder.TakeRetries(), std::nullopt);

  Record(recorder, {}, {}, absl::OkStatus(), 3);  // one of the two calls got through
  Record(recorder, {}, {}, absl::UnavailableError("d"), 3, true, "127.0.0.1:2");
  retries = recorder.TakeRetries();
  ASSERT_TRUE(retries.has_value());
  EXPECT_EQ(retries->retries, 1);
  EXPECT_EQ(retries->calls_retrying, 1);
  EXPECT_EQ(recorder.totals().retries, 4);
}

}  // namespace
}  // namespace ingest::chaos
