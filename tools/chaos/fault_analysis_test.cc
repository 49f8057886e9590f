#include "tools/chaos/fault_analysis.h"

#include <vector>

#include "gtest/gtest.h"

namespace ingest::chaos {
namespace {

const absl::Time kOrigin = absl::FromUnixMillis(1'700'000'000'000);

absl::Time At(double seconds) { return kOrigin + absl::Seconds(seconds); }

void Record(RunRecorder& recorder, double start_s, double took_ms, absl::StatusCode code) {
  const absl::Duration took = absl::Milliseconds(took_ms);
  recorder.RecordAttempt({.status = absl::Status(code, "test"), .latency = took},
                         At(start_s) + took);
}

TEST(StatsTest, BeforeFaultTakesOnlyWholeSecondsInside) {
  RunRecorder recorder(kOrigin);
  Record(recorder, 5.5, 1000, absl::StatusCode::kOk);  // warm-up: out
  for (int i = 0; i < 99; ++i) Record(recorder, 10.2, 20, absl::StatusCode::kOk);
  Record(recorder, 11.9, 80, absl::StatusCode::kOk);
  Record(recorder, 12.1, 5, absl::StatusCode::kUnavailable);
  Record(recorder, 13.2, 9000, absl::StatusCode::kOk);  // second of fault_start: out
  const RunRecord record = recorder.Snapshot();

  const IntervalStats before = StatsWithin(record, At(10), At(13.5));
  EXPECT_EQ(before.calls, 101);
  EXPECT_EQ(before.errors, 1);
  EXPECT_EQ(before.p50, absl::Milliseconds(20));
  EXPECT_EQ(before.p99, absl::Milliseconds(20));
  EXPECT_EQ(TotalErrors(record), 1);
}

TEST(StatsTest, DuringFaultTakesEverySecondOverlappingAWindowOnce) {
  RunRecorder recorder(kOrigin);
  Record(recorder, 19.5, 10, absl::StatusCode::kOk);  // before: out
  Record(recorder, 20.1, 10, absl::StatusCode::kOk);  // second of the start: in
  Record(recorder, 21.0, 10000, absl::StatusCode::kDeadlineExceeded);
  Record(recorder, 22.5, 10, absl::StatusCode::kOk);   // between windows: out
  Record(recorder, 23.5, 300, absl::StatusCode::kOk);  // second window
  Record(recorder, 25.2, 10, absl::StatusCode::kOk);   // after: out
  const RunRecord record = recorder.Snapshot();
  const std::vector<FaultWindow> windows = {{At(20.6), At(21.4)}, {At(23.2), At(24.0)}};
  const IntervalStats during = StatsOverlapping(record, windows);
  EXPECT_EQ(during.calls, 3);
  EXPECT_EQ(during.errors, 1);
  EXPECT_EQ(during.p99, absl::Milliseconds(300));

  // Overlapping windows in one second count it once.
  const std::vector<FaultWindow> same_second = {{At(21.1), At(21.2)}, {At(21.5), At(21.6)}};
  EXPECT_EQ(StatsOverlapping(record, same_second).calls, 1);
}

TEST(StatsTest, NoOkAttemptsMeansZeroLatency) {
  RunRecorder recorder(kOrigin);
  Record(recorder, 1, 10, absl::StatusCode::kUnavailable);
  const IntervalStats stats = StatsWithin(recorder.Snapshot(), At(0), At(5));
  EXPECT_EQ(stats.calls, 1);
  EXPECT_EQ(stats.p99, absl::ZeroDuration());
}

std::vector<LagSample> Lags(std::vector<std::pair<double, int64_t>> points) {
  std::vector<LagSample> samples;
  for (const auto& [t, lag] : points) samples.push_back({.at = At(t), .lag = lag});
  return samples;
}

const FaultMarks kMarks{{{At(30), At(60)}}};

TEST(RecoveryTest, TimeFromFaultEndUntilTheLagIsBackUnderTheBaseline) {
  // Baseline from [10, 30): 80 (the 500 at t=5 is warm-up).
  const std::vector<LagSample> samples = Lags({{5, 500},
                                               {10, 40},
                                               {20, 80},
                                               {29.5, 60},
                                               {45, 5000},
                                               {60.5, 4000},
                                               {70, 300},
                                               {72.5, 80},
                                               {73, 10}});
  const Recovery recovery = ComputeRecovery(samples, At(10), kMarks, 50, At(200));
  EXPECT_EQ(recovery.baseline, 80);
  EXPECT_EQ(recovery.threshold, 80);
  EXPECT_TRUE(recovery.exceeded);
  EXPECT_TRUE(recovery.recovered);
  EXPECT_EQ(recovery.time, absl::Seconds(12.5));
}

TEST(RecoveryTest, TheFloorAppliesWhenTheBaselineIsLow) {
  const std::vector<LagSample> samples = Lags({{15, 3}, {60.5, 49}, {61, 0}});
  const Recovery recovery = ComputeRecovery(samples, At(10), kMarks, 50, At(200));
  EXPECT_EQ(recovery.threshold, 50);
  EXPECT_FALSE(recovery.exceeded);
  EXPECT_TRUE(recovery.recovered);
  EXPECT_EQ(recovery.time, absl::ZeroDuration());
}

TEST(RecoveryTest, ALaterRiseAfterTheFaultIsMeasuredToItsEnd) {
  // Kafka back at 60: the retried calls arrive together and the worker
  // catches up by 66.
  const std::vector<LagSample> samples =
      Lags({{15, 20}, {60.5, 0}, {61, 0}, {61.5, 900}, {63, 400}, {66, 30}});
  const Recovery recovery = ComputeRecovery(samples, At(10), kMarks, 50, At(200));
  EXPECT_TRUE(recovery.exceeded);
  EXPECT_EQ(recovery.time, absl::Seconds(6));
}

TEST(RecoveryTest, AStaleSampleNeverProvesRecovery) {
  std::vector<LagSample> samples = Lags({{15, 20}, {61, 900}, {62, 0}, {63, 0}});
  samples[2].stale = true;  // PostgreSQL still unreadable: offsets are old
  const Recovery recovery = ComputeRecovery(samples, At(10), kMarks, 50, At(200));
  EXPECT_EQ(recovery.time, absl::Seconds(3));
}

TEST(RecoveryTest, NeverRecoveredRunsToTheEndOfTheDrain) {
  const std::vector<LagSample> samples = Lags({{15, 20}, {61, 900}, {62, 800}});
  const Recovery recovery = ComputeRecovery(samples, At(10), kMarks, 50, At(300));
  EXPECT_TRUE(recovery.exceeded);
  EXPECT_FALSE(recovery.recovered);
  EXPECT_EQ(recovery.time, absl::Seconds(240));
}

TEST(MaxLagTest, LargestSample) {
  EXPECT_EQ(MaxLag({}), 0);
  EXPECT_EQ(MaxLag(Lags({{1, 3}, {2, 9}, {3, 4}})), 9);
}

TEST(NoOkCheckTest, ChecksAttemptsWhollyInsideEachWindowAfterTheGrace) {
  RunRecorder recorder(kOrigin);
  Record(recorder, 30.5, 100, absl::StatusCode::kOk);            // in the grace: not checked
  Record(recorder, 29.0, 8000, absl::StatusCode::kUnavailable);  // in flight at the start: checked
  Record(recorder, 32.0, 10000, absl::StatusCode::kDeadlineExceeded);  // checked
  Record(recorder, 33.0, 5, absl::StatusCode::kUnavailable);           // checked
  Record(recorder, 59.0, 2000, absl::StatusCode::kOk);                 // ends after fault_end
  Record(recorder, 71.0, 5, absl::StatusCode::kUnavailable);           // second window, checked
  Record(recorder, 72.5, 5, absl::StatusCode::kOk);                    // second window, OK!
  const RunRecord record = recorder.Snapshot();
  const std::vector<FaultWindow> windows = {{At(30), At(60)}, {At(69), At(80)}};
  const NoOkCheck check = CheckNoOkDuringFaults(record, windows, absl::Seconds(2));
  EXPECT_EQ(check.checked, 5);
  EXPECT_EQ(check.ok, 1);
  EXPECT_EQ(check.longest_attempt, absl::Seconds(10));
}

TEST(NoOkCheckTest, BoundariesAreInclusive) {
  RunRecorder recorder(kOrigin);
  Record(recorder, 32.0, 28000, absl::StatusCode::kOk);  // starts at +2s, ends at fault_end
  const NoOkCheck check =
      CheckNoOkDuringFaults(recorder.Snapshot(), kMarks.windows, absl::Seconds(2));
  EXPECT_EQ(check.checked, 1);
  EXPECT_EQ(check.ok, 1);
}

}  // namespace
}  // namespace ingest::chaos
