#pragma once

// Which rates an end-to-end run tries, as fractions of M = min(gateway max,
// worker max): a bisection between a bounded and an unbounded rate.
//
//   bracket  it starts at 0.7 (the target). While every step is bounded it
//            goes up: 1.0, then 1.5 (the top: bounded there, the search
//            ends without an unbounded rate). While every step is
//            unbounded it halves: 0.35, 0.175, ... down to 0.02 (below
//            that, it ends with nothing bounded).
//   bisect   once it has a highest bounded fraction lo and a lowest
//            unbounded fraction hi, it tries (lo + hi) / 2 until
//            hi <= lo x (1 + tolerance): the sustained rate is then known
//            to within `tolerance` (5 %).
//
// It also ends after max_steps steps (converged() says whether the bracket
// was narrowed first). Pure; not thread-safe.

#include <optional>

namespace ingest::bench_e2e {

class RateSearch {
 public:
  static constexpr double kStart = 0.7;
  static constexpr double kTop = 1.5;
  static constexpr double kBottom = 0.02;
  static constexpr double kTolerance = 0.05;

  explicit RateSearch(int max_steps, double tolerance = kTolerance);

  // The fraction to try next; nullopt when the search is over.
  std::optional<double> Next() const { return next_; }

  // The outcome of the step at Next().
  void Record(bool bounded);

  int steps() const { return steps_; }
  std::optional<double> highest_bounded() const { return highest_bounded_; }
  std::optional<double> lowest_unbounded() const { return lowest_unbounded_; }
  // Both ends found and within the tolerance of each other.
  bool converged() const;

 private:
  std::optional<double> Choose() const;

  const int max_steps_;
  const double tolerance_;
  int steps_ = 0;
  std::optional<double> next_;
  std::optional<double> highest_bounded_;
  std::optional<double> lowest_unbounded_;
};

}  // namespace ingest::bench_e2e
