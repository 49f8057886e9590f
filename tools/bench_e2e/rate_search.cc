#include "tools/bench_e2e/rate_search.h"

#include <algorithm>

namespace ingest::bench_e2e {
namespace {

constexpr double kStart = 0.7;

}  // namespace

const std::vector<double>& RateLadder() {
  static const std::vector<double> ladder = {0.05, 0.1, 0.15, 0.25, 0.35, 0.5, 0.7, 0.85, 1.0};
  return ladder;
}

RateSearch::RateSearch(int max_steps) : max_steps_(max_steps) {
  const std::vector<double>& ladder = RateLadder();
  next_ = static_cast<int>(std::find(ladder.begin(), ladder.end(), kStart) - ladder.begin());
  if (max_steps_ < 1) next_ = -1;
}

std::optional<double> RateSearch::Next() const {
  if (next_ < 0) return std::nullopt;
  return RateLadder()[static_cast<size_t>(next_)];
}

void RateSearch::Record(bool bounded) {
  if (next_ < 0) return;
  const int tried = next_;
  const int size = static_cast<int>(RateLadder().size());
  ++steps_;
  if (bounded) {
    highest_bounded_ = std::max(highest_bounded_, tried);
    next_ = tried + 1;
    if (next_ >= size || (lowest_unbounded_ >= 0 && next_ >= lowest_unbounded_)) next_ = -1;
  } else {
    lowest_unbounded_ = lowest_unbounded_ < 0 ? tried : std::min(lowest_unbounded_, tried);
    next_ = tried - 1;
    if (next_ < 0 || next_ <= highest_bounded_) next_ = -1;
  }
  if (steps_ >= max_steps_) next_ = -1;
}

std::optional<double> RateSearch::highest_bounded() const {
  if (highest_bounded_ < 0) return std::nullopt;
  return RateLadder()[static_cast<size_t>(highest_bounded_)];
}

std::optional<double> RateSearch::lowest_unbounded() const {
  if (lowest_unbounded_ < 0) return std::nullopt;
  return RateLadder()[static_cast<size_t>(lowest_unbounded_)];
}

}  // namespace ingest::bench_e2e
