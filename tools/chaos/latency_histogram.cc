#include "tools/chaos/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace ingest::chaos {

int LatencyHistogram::BinOf(int64_t micros) {
  if (micros < kSubBins) return static_cast<int>(std::max<int64_t>(micros, 0));
  const auto value = static_cast<uint64_t>(micros);
  const int exponent = std::bit_width(value) - 1;  // >= kSubBits
  if (exponent >= kMaxExponent) return kBins - 1;
  const int sub = static_cast<int>((value >> (exponent - kSubBits)) & (kSubBins - 1));
  return kSubBins + (exponent - kSubBits) * kSubBins + sub;
}

double LatencyHistogram::MiddleOf(int bin) {
  if (bin < kSubBins) return bin;
  const int exponent = kSubBits + (bin - kSubBins) / kSubBins;
  const int sub = (bin - kSubBins) % kSubBins;
  const double width = std::ldexp(1.0, exponent - kSubBits);
  const double low = std::ldexp(1.0, exponent) + sub * width;
  return low + width / 2;
}

void LatencyHistogram::Add(absl::Duration latency) {
  const int bin = BinOf(absl::ToInt64Microseconds(latency));
  if (static_cast<size_t>(bin) >= counts_.size()) counts_.resize(bin + 1, 0);
  ++counts_[bin];
  ++count_;
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  if (other.counts_.size() > counts_.size()) counts_.resize(other.counts_.size(), 0);
  for (size_t bin = 0; bin < other.counts_.size(); ++bin) counts_[bin] += other.counts_[bin];
  count_ += other.count_;
}

absl::Duration LatencyHistogram::Quantile(double q) const {
  if (count_ == 0) return absl::ZeroDuration();
  // The epsilon keeps 0.99 * 100 (99.00000000000001 in binary) at rank 99.
  const auto rank = std::clamp<int64_t>(
      static_cast<int64_t>(std::ceil(q * static_cast<double>(count_) - 1e-9)), 1, count_);
  int64_t seen = 0;
  for (size_t bin = 0; bin < counts_.size(); ++bin) {
    seen += counts_[bin];
    if (seen >= rank) return absl::Microseconds(MiddleOf(static_cast<int>(bin)));
  }
  return absl::Microseconds(MiddleOf(static_cast<int>(counts_.size()) - 1));
}

}  // namespace ingest::chaos
