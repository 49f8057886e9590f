#include "bench/e2e/step_classifier.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace ingest::bench_e2e {
namespace {

constexpr int kMinLagSamples = 3;

}  // namespace

double LeastSquaresSlope(absl::Span<const std::pair<double, int64_t>> points) {
  const double n = static_cast<double>(points.size());
  if (points.size() < 2) return std::numeric_limits<double>::quiet_NaN();
  double mean_x = 0;
  double mean_y = 0;
  for (const auto& [x, y] : points) {
    mean_x += x;
    mean_y += static_cast<double>(y);
  }
  mean_x /= n;
  mean_y /= n;
  double sxx = 0;
  double sxy = 0;
  for (const auto& [x, y] : points) {
    sxx += (x - mean_x) * (x - mean_x);
    sxy += (x - mean_x) * (static_cast<double>(y) - mean_y);
  }
  if (sxx <= 0) return std::numeric_limits<double>::quiet_NaN();
  return sxy / sxx;
}

StepVerdict ClassifyStep(const StepObservation& step, const StepThresholds& thresholds) {
  StepVerdict verdict;
  std::vector<std::string> failed;

  verdict.accepted_fraction =
      step.due > 0 ? static_cast<double>(step.accepted) / static_cast<double>(step.due) : 0;
  if (step.due <= 0) {
    failed.push_back("no message was due in the window");
  } else if (verdict.accepted_fraction < thresholds.min_accepted_fraction) {
    failed.push_back(absl::StrFormat("gateway accepted %.3f of the due messages (< %.2f)",
                                     verdict.accepted_fraction, thresholds.min_accepted_fraction));
  }
  if (step.errors > 0) {
    failed.push_back(absl::StrCat(step.errors, " calls failed (first: ", step.first_error, ")"));
  }

  verdict.lag_slope_per_s = LeastSquaresSlope(step.lag);
  for (const auto& [t, lag] : step.lag) verdict.max_lag = std::max(verdict.max_lag, lag);
  verdict.final_lag = step.lag.empty() ? 0 : step.lag.back().second;
  if (static_cast<int>(step.lag.size()) < kMinLagSamples) {
    failed.push_back(absl::StrCat("lag not measured (", step.lag.size(),
                                  " fresh samples in the window, need ", kMinLagSamples, ")"));
  } else {
    const double max_slope = thresholds.max_slope_fraction * step.rate_per_s;
    if (!(verdict.lag_slope_per_s <= max_slope)) {
      failed.push_back(absl::StrFormat("lag grew %.1f/s (> %g%% of the rate = %.1f/s)",
                                       verdict.lag_slope_per_s, thresholds.max_slope_fraction * 100,
                                       max_slope));
    }
    const double max_final =
        step.rate_per_s * absl::ToDoubleSeconds(thresholds.final_lag_rate_span) +
        thresholds.final_lag_lanes * step.lanes;
    if (static_cast<double>(verdict.final_lag) > max_final) {
      failed.push_back(absl::StrFormat("final lag %d > %s x rate + %d x lanes = %.0f",
                                       verdict.final_lag,
                                       absl::FormatDuration(thresholds.final_lag_rate_span),
                                       thresholds.final_lag_lanes, max_final));
    }
  }
  verdict.bounded = failed.empty();
  verdict.reason = verdict.bounded ? "bounded" : absl::StrJoin(failed, "; ");
  return verdict;
}

}  // namespace ingest::bench_e2e
