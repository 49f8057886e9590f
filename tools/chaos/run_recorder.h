#pragma once

// What happened to every call attempt and acknowledgement of a run, in
// bounded memory: per-second aggregates for the statistics, plus one compact
// span per attempt for the one check that must look at attempts one by one.

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "tools/chaos/latency_histogram.h"

namespace ingest::chaos {

// One call attempt (InitializeSession, PushPayload or PushPayloadStream).
struct AttemptRecord {
  absl::Time start;
  absl::Time end;
  absl::StatusCode code = absl::StatusCode::kOk;
  bool stream = false;
};

// Second `index` of a run: [origin + index s, origin + (index + 1) s).
// Attempts are counted in the second they STARTED in, acknowledgements in
// the second they arrived in.
struct SecondStats {
  int64_t attempts = 0;
  int64_t ok = 0;
  int64_t stream_attempts = 0;
  // Attempts by canonical code (absl::StatusCode 0..16).
  std::array<int64_t, 17> by_code{};
  // Latency of the OK attempts.
  LatencyHistogram ok_latency;
  // Longest attempt, whatever its outcome.
  absl::Duration max_duration;
  // Payloads acknowledged in this second.
  int64_t acked = 0;

  int64_t errors() const { return attempts - ok; }
};

// One attempt, to the millisecond (rounded down), relative to the run's
// origin (12 bytes).
struct AttemptSpan {
  int32_t start_ms = 0;
  int32_t end_ms = 0;
  bool ok = false;
};

// Everything recorded, copied out for the analysis.
struct RunRecord {
  absl::Time origin;
  std::vector<SecondStats> seconds;
  std::vector<AttemptSpan> spans;
  // False if more than RunRecorder::kMaxSpans attempts were made: the spans
  // then cover only the first ones.
  bool spans_complete = true;
  // Time of the last acknowledgement; InfinitePast if none.
  absl::Time last_ack = absl::InfinitePast();

  absl::Time SecondStart(size_t index) const {
    return origin + absl::Seconds(static_cast<int64_t>(index));
  }
};

// Running totals, for the progress line.
struct RunTotals {
  int64_t attempts = 0;
  int64_t errors = 0;
  int64_t acked = 0;
};

// Records a run's attempts and acknowledgements. Thread-safe: session threads
// record, the progress thread reads totals, the main thread takes a
// Snapshot() at the end. Memory: one SecondStats per second of the run (a
// few KB each) and 12 bytes per attempt up to kMaxSpans (~24 MB; ten
// minutes at 3,000 attempts a second).
class RunRecorder {
 public:
  static constexpr size_t kMaxSpans = 2'000'000;

  // `origin` is second 0, normally the start of the load. Times before it
  // count in second 0.
  explicit RunRecorder(absl::Time origin) : origin_(origin) {}

  void RecordAttempt(const AttemptRecord& attempt);
  void RecordAck(absl::Time at);

  absl::Time origin() const { return origin_; }
  RunTotals totals() const;

  // A copy of everything recorded so far.
  RunRecord Snapshot() const;

 private:
  SecondStats& SecondAt(absl::Time time) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const absl::Time origin_;
  mutable absl::Mutex mu_;
  std::vector<SecondStats> seconds_ ABSL_GUARDED_BY(mu_);
  std::vector<AttemptSpan> spans_ ABSL_GUARDED_BY(mu_);
  bool spans_complete_ ABSL_GUARDED_BY(mu_) = true;
  RunTotals totals_ ABSL_GUARDED_BY(mu_);
  absl::Time last_ack_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace ingest::chaos
