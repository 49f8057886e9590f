#include "tools/chaos/run_recorder.h"

#include "gtest/gtest.h"

namespace ingest::chaos {
namespace {

const absl::Time kOrigin = absl::FromUnixMillis(1'700'000'000'250);

AttemptRecord Attempt(absl::Duration start, absl::Duration took, absl::StatusCode code,
                      bool stream = false) {
  return {.start = kOrigin + start, .end = kOrigin + start + took, .code = code,
          .stream = stream};
}

TEST(RunRecorderTest, CountsAttemptsInTheSecondTheyStartedAndAcksWhenTheyArrived) {
  RunRecorder recorder(kOrigin);
  recorder.RecordAttempt(Attempt(absl::Milliseconds(100), absl::Milliseconds(20),
                                 absl::StatusCode::kOk));
  recorder.RecordAttempt(Attempt(absl::Milliseconds(900), absl::Milliseconds(300),
                                 absl::StatusCode::kUnavailable, /*stream=*/true));
  recorder.RecordAttempt(Attempt(absl::Milliseconds(2500), absl::Seconds(10),
                                 absl::StatusCode::kDeadlineExceeded));
  recorder.RecordAck(kOrigin + absl::Milliseconds(120));
  recorder.RecordAck(kOrigin + absl::Milliseconds(1100));

  const RunTotals totals = recorder.totals();
  EXPECT_EQ(totals.attempts, 3);
  EXPECT_EQ(totals.errors, 2);
  EXPECT_EQ(totals.acked, 2);

  const RunRecord record = recorder.Snapshot();
  ASSERT_EQ(record.seconds.size(), 3u);
  const SecondStats& first = record.seconds[0];
  EXPECT_EQ(first.attempts, 2);
  EXPECT_EQ(first.ok, 1);
  EXPECT_EQ(first.errors(), 1);
  EXPECT_EQ(first.stream_attempts, 1);
  EXPECT_EQ(first.by_code[static_cast<int>(absl::StatusCode::kUnavailable)], 1);
  EXPECT_EQ(first.ok_latency.count(), 1);
  EXPECT_EQ(first.max_duration, absl::Milliseconds(300));
  EXPECT_EQ(first.acked, 1);
  EXPECT_EQ(record.seconds[1].attempts, 0);
  EXPECT_EQ(record.seconds[1].acked, 1);
  EXPECT_EQ(record.seconds[2].by_code[static_cast<int>(absl::StatusCode::kDeadlineExceeded)],
            1);
  EXPECT_EQ(record.seconds[2].max_duration, absl::Seconds(10));
  EXPECT_EQ(record.last_ack, kOrigin + absl::Milliseconds(1100));
  EXPECT_EQ(record.SecondStart(2), kOrigin + absl::Seconds(2));
}

TEST(RunRecorderTest, KeepsOneSpanPerAttemptToTheMillisecond) {
  RunRecorder recorder(kOrigin);
  recorder.RecordAttempt(Attempt(absl::Microseconds(1500), absl::Microseconds(2700),
                                 absl::StatusCode::kOk));
  recorder.RecordAttempt(Attempt(absl::Seconds(3), absl::Seconds(1),
                                 absl::StatusCode::kUnavailable));
  const RunRecord record = recorder.Snapshot();
  ASSERT_EQ(record.spans.size(), 2u);
  EXPECT_EQ(record.spans[0].start_ms, 1);
  EXPECT_EQ(record.spans[0].end_ms, 4);  // 4.2 ms, rounded down
  EXPECT_TRUE(record.spans[0].ok);
  EXPECT_EQ(record.spans[1].start_ms, 3000);
  EXPECT_EQ(record.spans[1].end_ms, 4000);
  EXPECT_FALSE(record.spans[1].ok);
  EXPECT_TRUE(record.spans_complete);
}

TEST(RunRecorderTest, TimesBeforeTheOriginCountInSecondZero) {
  RunRecorder recorder(kOrigin);
  recorder.RecordAttempt(Attempt(-absl::Seconds(3), absl::Seconds(1), absl::StatusCode::kOk));
  const RunRecord record = recorder.Snapshot();
  ASSERT_EQ(record.seconds.size(), 1u);
  EXPECT_EQ(record.seconds[0].attempts, 1);
  EXPECT_EQ(record.spans[0].start_ms, 0);
}

TEST(RunRecorderTest, NoAckMeansLastAckInThePast) {
  EXPECT_EQ(RunRecorder(kOrigin).Snapshot().last_ack, absl::InfinitePast());
}

}  // namespace
}  // namespace ingest::chaos
