#pragma once

#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace ingest::loadgen {

// A snapshot of the load phase.
struct LoadProgress {
  int64_t acked = 0;
  int64_t total = 0;   // payloads requested
  uint64_t bytes = 0;  // serialized bytes acknowledged
  absl::Duration elapsed;
  int64_t retries = 0;
  int64_t errors = 0;  // calls given up
};

// "loadgen: 312/500 acked  48.2 MB/s  retries=0  errors=0" (MB = 10^6 bytes,
// averaged over the elapsed time).
std::string FormatLoadProgress(const LoadProgress& progress);

// "verify: 480/500 persisted  3.2s" (time spent waiting so far).
std::string FormatVerifyProgress(int64_t present, int64_t expected, absl::Duration elapsed);

// "verify: 18/20 sessions completed  3.2s" (time spent waiting so far).
std::string FormatCompletionProgress(int64_t completed, int64_t expected, absl::Duration elapsed);

}  // namespace ingest::loadgen
