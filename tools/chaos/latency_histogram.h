#pragma once

#include <cstdint>
#include <vector>

#include "absl/time/time.h"

namespace ingest::chaos {

// Call latencies in log-linear bins (microseconds: exact below 32 us, then
// 32 bins per power of two, so any value is within 1.6% of its bin's middle;
// values of 2^28 us (~268 s) or more share the last bin). Mergeable, so a
// run keeps one per second and adds them up for any interval.
//
// Memory grows with the largest value seen, at most kBins counters. Not
// thread-safe (RunRecorder guards it).
class LatencyHistogram {
 public:
  static constexpr int kSubBits = 5;
  static constexpr int kSubBins = 1 << kSubBits;  // 32
  static constexpr int kMaxExponent = 28;         // values < 2^28 us binned
  static constexpr int kBins = kSubBins + (kMaxExponent - kSubBits) * kSubBins;

  // Adds one latency (negative counts as zero).
  void Add(absl::Duration latency);

  // Adds every latency of `other`.
  void Merge(const LatencyHistogram& other);

  int64_t count() const { return count_; }

  // The q-quantile (0 < q <= 1) by nearest rank: the middle of the bin
  // holding the ceil(q * count)-th smallest latency. Zero if empty.
  absl::Duration Quantile(double q) const;

  // The bin of `micros` and the middle of bin `bin` (exposed for tests).
  static int BinOf(int64_t micros);
  static double MiddleOf(int bin);

 private:
  std::vector<uint32_t> counts_;  // grown on demand
  int64_t count_ = 0;
};

}  // namespace ingest::chaos
