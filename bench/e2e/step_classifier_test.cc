#include "bench/e2e/step_classifier.h"

#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ingest::bench_e2e {
namespace {

using ::testing::HasSubstr;

constexpr double kRate = 100;
constexpr int kLanes = 16;

// A 60 s window sampled every 500 ms with lag(t).
template <typename F>
StepObservation Step(F lag_at) {
  StepObservation step;
  step.rate_per_s = kRate;
  step.lanes = kLanes;
  step.due = 6000;
  step.accepted = 5990;
  for (int i = 0; i <= 120; ++i) {
    const double t = i * 0.5;
    step.lag.emplace_back(t, static_cast<int64_t>(std::llround(lag_at(t))));
  }
  return step;
}

TEST(LeastSquaresSlopeTest, FitsALine) {
  EXPECT_DOUBLE_EQ(LeastSquaresSlope({{0, 10}, {1, 12}, {2, 14}}), 2);
  EXPECT_DOUBLE_EQ(LeastSquaresSlope({{0, 5}, {10, 5}}), 0);
  EXPECT_TRUE(std::isnan(LeastSquaresSlope({{0, 5}})));
  EXPECT_TRUE(std::isnan(LeastSquaresSlope({{1, 5}, {1, 7}})));
}

TEST(ClassifyStepTest, AFlatLagIsBounded) {
  const StepVerdict verdict = ClassifyStep(Step([](double) { return 150.0; }), {});
  EXPECT_TRUE(verdict.bounded) << verdict.reason;
  EXPECT_EQ(verdict.reason, "bounded");
  EXPECT_NEAR(verdict.lag_slope_per_s, 0, 1e-9);
  EXPECT_EQ(verdict.max_lag, 150);
  EXPECT_EQ(verdict.final_lag, 150);
  EXPECT_NEAR(verdict.accepted_fraction, 5990.0 / 6000, 1e-12);
}

TEST(ClassifyStepTest, ASawtoothOfWholeTransactionsIsBounded) {
  // A second's worth of records piles up, then one commit takes it away.
  const StepVerdict verdict =
      ClassifyStep(Step([](double t) { return 50 + kRate * std::fmod(t, 1.5); }), {});
  EXPECT_TRUE(verdict.bounded) << verdict.reason;
  EXPECT_LT(std::abs(verdict.lag_slope_per_s), 0.02 * kRate);
}

TEST(ClassifyStepTest, ALagGrowingByFivePercentOfTheRateIsUnbounded) {
  const StepVerdict verdict =
      ClassifyStep(Step([](double t) { return 100 + 0.05 * kRate * t; }), {});
  EXPECT_FALSE(verdict.bounded);
  EXPECT_NEAR(verdict.lag_slope_per_s, 5, 0.05);
  EXPECT_THAT(verdict.reason, HasSubstr("lag grew 5.0/s"));
  // 100 + 5 x 60 = 400 <= 3 s x 100 + 2 x 16 = 332? No: the final lag fails too.
  EXPECT_THAT(verdict.reason, HasSubstr("final lag 400"));
}

TEST(ClassifyStepTest, AGrowingSawtoothIsUnbounded) {
  const StepVerdict verdict =
      ClassifyStep(Step([](double t) { return 10 * t + kRate * std::fmod(t, 1.5); }), {});
  EXPECT_FALSE(verdict.bounded);
  EXPECT_THAT(verdict.reason, HasSubstr("lag grew"));
}

TEST(ClassifyStepTest, AHighButFlatLagFailsOnlyTheFinalLag) {
  const StepVerdict verdict = ClassifyStep(Step([](double) { return 1000.0; }), {});
  EXPECT_FALSE(verdict.bounded);
  EXPECT_EQ(verdict.reason, "final lag 1000 > 3s x rate + 2 x lanes = 332");
}

TEST(ClassifyStepTest, TheGatewayFallingBehindIsUnbounded) {
  StepObservation step = Step([](double) { return 100.0; });
  step.accepted = 5000;
  const StepVerdict verdict = ClassifyStep(step, {});
  EXPECT_FALSE(verdict.bounded);
  EXPECT_EQ(verdict.reason, "gateway accepted 0.833 of the due messages (< 0.97)");
}

TEST(ClassifyStepTest, ErrorsOtherThanBackpressureAreUnbounded) {
  StepObservation step = Step([](double) { return 100.0; });
  step.errors = 2;
  step.first_error = "UNAVAILABLE: kafka";
  const StepVerdict verdict = ClassifyStep(step, {});
  EXPECT_FALSE(verdict.bounded);
  EXPECT_EQ(verdict.reason, "2 calls failed (first: UNAVAILABLE: kafka)");
}

TEST(ClassifyStepTest, TooFewLagSamplesLeaveTheLagUnmeasured) {
  StepObservation step = Step([](double) { return 100.0; });
  step.lag.resize(2);
  const StepVerdict verdict = ClassifyStep(step, {});
  EXPECT_FALSE(verdict.bounded);
  EXPECT_THAT(verdict.reason, HasSubstr("lag not measured (2 fresh samples"));
}

TEST(ClassifyStepTest, ThresholdsAreTunable) {
  StepThresholds loose;
  loose.max_slope_fraction = 0.1;
  loose.final_lag_rate_span = absl::Seconds(10);
  const StepVerdict verdict =
      ClassifyStep(Step([](double t) { return 100 + 0.05 * kRate * t; }), loose);
  EXPECT_TRUE(verdict.bounded) << verdict.reason;
}

}  // namespace
}  // namespace ingest::bench_e2e
