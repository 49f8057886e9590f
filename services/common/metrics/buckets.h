#pragma once

// Histogram bucket helpers shared by the services' *_metrics classes.

#include "prometheus/histogram.h"

namespace ingest {

// `count` bounds: start, start*factor, start*factor^2, ...
inline prometheus::Histogram::BucketBoundaries ExponentialBuckets(double start, double factor,
                                                                  int count) {
  prometheus::Histogram::BucketBoundaries buckets;
  for (double bound = start; count-- > 0; bound *= factor) buckets.push_back(bound);
  return buckets;
}

}  // namespace ingest
