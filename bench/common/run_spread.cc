#include "bench/common/run_spread.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "absl/strings/str_format.h"

namespace ingest::bench {

RunSpread SpreadOf(absl::Span<const double> values) {
  std::vector<double> sorted;
  for (const double value : values) {
    if (std::isfinite(value)) sorted.push_back(value);
  }
  RunSpread spread;
  if (sorted.empty()) return spread;
  std::sort(sorted.begin(), sorted.end());
  const size_t n = sorted.size();
  spread.runs = static_cast<int>(n);
  spread.median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  spread.min = sorted.front();
  spread.max = sorted.back();
  return spread;
}

int MedianIndex(absl::Span<const double> values) {
  if (values.empty()) return -1;
  std::vector<int> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return values[a] < values[b]; });
  return order[(order.size() - 1) / 2];
}

std::string FormatRatioSpread(const RunSpread& spread) {
  return absl::StrFormat("%.2f-%.2f", spread.min, spread.max);
}

}  // namespace ingest::bench
