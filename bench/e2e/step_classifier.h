#pragma once

// Whether one end-to-end step held its rate: did the gateway take the load,
// and did the workers keep up with it (consumer lag bounded)?
//
// A step offers R msgs/s open loop for a warm-up and then a window W. It is
// BOUNDED iff all of:
//
//  1. accepted >= 97 % of the messages due inside the window, and no call
//     failed for a reason other than backpressure. A gateway that cannot take
//     R acknowledges at its own capacity C whatever is offered (the rest
//     queues in the client), so accepted/due = C/R: below 0.97 means R is at
//     least 3 % beyond what the gateway sustains. The edges of the window
//     (messages due before it acknowledged inside it, and the reverse) cancel
//     out at a steady rate; 3 % also absorbs a backpressure pause or two.
//  2. the least-squares slope of the lag over the window <= 2 % of R per
//     second. Workers persisting (1 - e) R leave e R more records behind
//     every second; a slope is the robust way to see that in a series that
//     jumps by whole transactions (sawtooth). 2 % is the smallest deficit a
//     60 s window separates from that noise: a sawtooth of amplitude A and
//     period p tilts the fitted line by at most about 3 A p / W^2, 0.1 % of
//     R for a whole second's records every second (A = R x 1 s, p = 1 s) over
//     W = 60 s — but 5 % over the quick 8 s window, whose verdicts mean
//     little. (Measured sawteeth are far smaller: the workers commit every
//     ~50 ms.)
//  3. the last lag sample <= R x 3 s + 2 x lanes. What is in flight between
//     the broker and a commit is about R x (the workers' batch delay + one
//     transaction), well under a second at these rates; three seconds' worth
//     leaves room for a slow transaction, and 2 x lanes for the records the
//     gateway's sessions have in flight at low rates. It catches a step that
//     starts behind and a trend hidden in noise.
//
// Stale lag samples (one side unreadable) are left out; fewer than three
// fresh samples in the window leaves the lag unmeasured, which is unbounded.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/types/span.h"
#include "bench/e2e/options.h"

namespace ingest::bench_e2e {

// What a step saw, inside its window.
struct StepObservation {
  double rate_per_s = 0;
  int lanes = 0;
  int64_t due = 0;       // messages due inside the window
  int64_t accepted = 0;  // acknowledged by the gateway inside the window
  int64_t errors = 0;    // failures other than backpressure, in the whole step
  std::string first_error;
  // (seconds since the window opened, lag) of every fresh sample in it.
  std::vector<std::pair<double, int64_t>> lag;
};

struct StepVerdict {
  bool bounded = false;
  // "bounded", or every failed condition, "; "-separated.
  std::string reason;
  double accepted_fraction = 0;
  double lag_slope_per_s = 0;  // NaN when fewer than two samples
  int64_t max_lag = 0;
  int64_t final_lag = 0;
};

// Least-squares slope of y over x; NaN with fewer than two distinct x.
double LeastSquaresSlope(absl::Span<const std::pair<double, int64_t>> points);

StepVerdict ClassifyStep(const StepObservation& step, const StepThresholds& thresholds);

}  // namespace ingest::bench_e2e
