#pragma once

// Repeated measurements of one ratio: the benchmarks measure each
// comparison `runs` times, interleaved (A, B, A, B, ...: drift of the machine
// hits both sides alike), and report the median of the per-pair values with
// their spread (lowest to highest). Pure.

#include <string>

#include "absl/types/span.h"

namespace ingest::bench {

struct RunSpread {
  int runs = 0;       // finite values it was made of
  double median = 0;  // middle value; the mean of the two middle ones for an even count
  double min = 0;
  double max = 0;
};

// The spread of the finite values in `values`; runs = 0 (and zeros) when
// there are none.
RunSpread SpreadOf(absl::Span<const double> values);

// The index of the run whose `values` entry is the median (the lower middle
// one for an even count): the run whose other numbers (CPU, counts) stand
// for the side. -1 for an empty span.
int MedianIndex(absl::Span<const double> values);

// "0.71-0.78": min and max with two decimals, as ratios print.
std::string FormatRatioSpread(const RunSpread& spread);

}  // namespace ingest::bench
