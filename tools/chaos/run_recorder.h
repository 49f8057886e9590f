#pragma once

// What happened to every call attempt and acknowledgement of a run: one
// compact span per attempt, from which the analysis takes any interval's
// statistics, acknowledgements counted per second, and the retries summed up
// for the retry line.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/cpp/options.h"

namespace ingest::chaos {

// One attempt, in microseconds after the run's origin (16 bytes).
struct AttemptSpan {
  int64_t start_us = 0;  // times before the origin count as 0
  int32_t latency_us = 0;
  bool ok = false;

  int64_t end_us() const { return start_us + latency_us; }
};

// Everything recorded, copied out for the analysis.
struct RunRecord {
  absl::Time origin;
  std::vector<AttemptSpan> attempts;  // in the order they were recorded
  // Acknowledgements by the second of the run they arrived in.
  std::vector<int64_t> acked_per_second;
  // Time of the last acknowledgement; InfinitePast if none.
  absl::Time last_ack = absl::InfinitePast();

  // The start of the second of the run an attempt started in.
  absl::Time SecondOf(const AttemptSpan& attempt) const {
    return origin + absl::Seconds(attempt.start_us / 1'000'000);
  }
};

// Running totals, for the progress line.
struct RunTotals {
  int64_t attempts = 0;
  int64_t errors = 0;
  int64_t acked = 0;
  int64_t retries = 0;  // failed attempts the SDK retried
};

// The retries since the previous TakeRetries(). Retries happen by the
// hundred per second during a fault: they are summed up, never logged one by
// one.
struct RetrySummary {
  int64_t retries = 0;
  // Calls between their first retried attempt and their last attempt.
  int64_t calls_retrying = 0;
  absl::Status last_error;   // of the last retried attempt
  std::string last_gateway;  // where it went
};

// Records a run's attempts and acknowledgements. Thread-safe: the SDK's
// threads record attempts, session threads acks, the progress thread reads
// totals and retries, the main thread takes a Snapshot() at the end. Memory: 16 bytes per attempt
// (~30 MB for ten minutes at 3,000 attempts a second).
class RunRecorder {
 public:
  // `origin` is second 0, normally the start of the load.
  explicit RunRecorder(absl::Time origin) : origin_(origin) {}

  // One attempt as the SDK's observer reports it, observed at `end`.
  void RecordAttempt(const client::AttemptInfo& attempt, absl::Time end);
  void RecordAck(absl::Time at);

  absl::Time origin() const { return origin_; }
  RunTotals totals() const;
  // Nullopt if there was no retry since the last call.
  std::optional<RetrySummary> TakeRetries();

  // A copy of everything recorded so far.
  RunRecord Snapshot() const;

 private:
  const absl::Time origin_;
  mutable absl::Mutex mu_;
  std::vector<AttemptSpan> attempts_ ABSL_GUARDED_BY(mu_);
  std::vector<int64_t> acked_per_second_ ABSL_GUARDED_BY(mu_);
  RunTotals totals_ ABSL_GUARDED_BY(mu_);
  RetrySummary retries_ ABSL_GUARDED_BY(mu_);
  absl::Time last_ack_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace ingest::chaos
