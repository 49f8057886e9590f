#pragma once

// Which rates an end-to-end run tries, as fractions of M = min(gateway max,
// worker max), on a fixed ladder:
//
//   0.05  0.1  0.15  0.25  0.35  0.5  [0.7]  0.85  1.0
//
// It starts at 0.7 (the target). While steps are bounded it climbs (0.85,
// then 1.0); once one is not, it descends (0.5, 0.35, 0.25, 0.15, ...). It
// stops when the highest bounded and the lowest unbounded fractions are
// neighbours on the ladder, at either end of it, or after max_steps steps.
// Pure; not thread-safe.

#include <optional>
#include <vector>

namespace ingest::bench_e2e {

// The ladder, ascending.
const std::vector<double>& RateLadder();

class RateSearch {
 public:
  explicit RateSearch(int max_steps);

  // The fraction to try next; nullopt when the search is over.
  std::optional<double> Next() const;

  // The outcome of the step at Next().
  void Record(bool bounded);

  int steps() const { return steps_; }
  std::optional<double> highest_bounded() const;
  std::optional<double> lowest_unbounded() const;

 private:
  const int max_steps_;
  int steps_ = 0;
  int next_ = -1;              // ladder index; -1 when done
  int highest_bounded_ = -1;   // ladder index; -1 = none yet
  int lowest_unbounded_ = -1;  // ladder index; -1 = none yet
};

}  // namespace ingest::bench_e2e
