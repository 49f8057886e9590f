#include "bench/e2e/rate_search.h"

#include <algorithm>

namespace ingest::bench_e2e {

RateSearch::RateSearch(int max_steps, double tolerance)
    : max_steps_(max_steps), tolerance_(tolerance) {
  if (max_steps_ >= 1) next_ = kStart;
}

bool RateSearch::converged() const {
  return highest_bounded_.has_value() && lowest_unbounded_.has_value() &&
         *lowest_unbounded_ <= *highest_bounded_ * (1 + tolerance_);
}

void RateSearch::Record(bool bounded) {
  if (!next_.has_value()) return;
  const double tried = *next_;
  ++steps_;
  if (bounded) {
    highest_bounded_ = std::max(highest_bounded_.value_or(tried), tried);
  } else {
    lowest_unbounded_ = std::min(lowest_unbounded_.value_or(tried), tried);
  }
  next_ = steps_ >= max_steps_ ? std::nullopt : Choose();
}

std::optional<double> RateSearch::Choose() const {
  if (converged()) return std::nullopt;
  if (highest_bounded_.has_value() && lowest_unbounded_.has_value()) {
    return (*highest_bounded_ + *lowest_unbounded_) / 2;
  }
  if (highest_bounded_.has_value()) {  // nothing unbounded yet: up
    if (*highest_bounded_ >= kTop) return std::nullopt;
    return *highest_bounded_ < 1.0 ? 1.0 : kTop;
  }
  const double half = *lowest_unbounded_ / 2;  // nothing bounded yet: down
  if (half < kBottom) return std::nullopt;
  return half;
}

}  // namespace ingest::bench_e2e
