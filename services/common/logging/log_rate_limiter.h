#pragma once

// LogRateLimiter: keeps a log line that repeats (a rejected call, a retry)
// from flooding the log. Per key (e.g. a rejection reason), at most
// `max_lines` lines per `window`; the lines over that are counted, and the
// count goes out with the next line admitted for that key:
//
//   if (std::optional<int64_t> suppressed = limiter.Admit(reason)) {
//     log::Warn("gateway.rejected", {{"reason", reason}, {"suppressed", *suppressed}});
//   }
//
// Thread-safe. Keys should come from a small, fixed set (each is kept).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace ingest {

struct LogRateLimiterOptions {
  int max_lines = 5;
  absl::Duration window = absl::Seconds(1);
};

class LogRateLimiter {
 public:
  // `clock` is injectable for tests.
  explicit LogRateLimiter(LogRateLimiterOptions options = {},
                          std::function<absl::Time()> clock = [] { return absl::Now(); })
      : options_(options), clock_(std::move(clock)) {}

  // nullopt: drop this line. Otherwise write it, with the number of lines
  // of `key` dropped since the last one written (usually 0).
  std::optional<int64_t> Admit(absl::string_view key);

 private:
  struct KeyState {
    absl::Time window_start = absl::InfinitePast();
    int lines_in_window = 0;
    int64_t suppressed = 0;
  };

  const LogRateLimiterOptions options_;
  const std::function<absl::Time()> clock_;
  absl::Mutex mutex_;
  absl::flat_hash_map<std::string, KeyState> keys_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace ingest
