#pragma once

// What a run's records say about the fault: gateway statistics before and
// during it, lag recovery after it, and the per-attempt check for faults
// that must stop every acknowledgement. Pure functions.

#include <cstdint>

#include "absl/time/time.h"
#include "absl/types/span.h"
#include "tools/chaos/lag_tracker.h"
#include "tools/chaos/marks.h"
#include "tools/chaos/run_recorder.h"

namespace ingest::chaos {

// Attempts in an interval and the latency of the OK ones among them.
struct IntervalStats {
  int64_t calls = 0;   // attempts
  int64_t errors = 0;  // attempts that ended non-OK
  absl::Duration p50;  // of OK attempts (nearest rank); zero if there was none
  absl::Duration p99;
};

// Over the attempts that started in the seconds of the run that lie wholly
// inside [from, to): the pre-fault baseline, so an attempt of the second the
// fault began in never counts; also one second of the timeline.
IntervalStats StatsWithin(const RunRecord& record, absl::Time from, absl::Time to);

// Over the attempts that started in the seconds of the run that overlap any
// of `windows` (each second once): the during-fault numbers, so every
// attempt that started during a fault counts.
IntervalStats StatsOverlapping(const RunRecord& record, absl::Span<const FaultWindow> windows);

// Failed attempts over the whole run.
int64_t TotalErrors(const RunRecord& record);

// Largest lag sampled; 0 without samples.
int64_t MaxLag(absl::Span<const LagSample> samples);

struct Recovery {
  // Max lag over the samples in [baseline_start, first fault_start); 0 if none.
  int64_t baseline = 0;
  int64_t threshold = 0;  // max(baseline, lag_floor)
  // A sample at or after the last fault_end was above the threshold.
  bool exceeded = false;
  // The lag came back to <= threshold (true when it never exceeded it).
  bool recovered = true;
  // From the last fault_end to the first fresh sample <= threshold after the
  // first sample above it; zero if it never exceeded; up to `drain_end` if it
  // never recovered.
  absl::Duration time;
};

// Recovery of the lag after the last fault (see Recovery). A stale sample
// (one side unreadable) can show the lag above the threshold but never
// prove it back below. If the lag is already above the threshold when the
// fault ends this is the first fresh sample <= threshold after fault_end; if
// it first rises later (a burst of retried calls once Kafka is back), the
// time runs to the end of that first rise.
Recovery ComputeRecovery(absl::Span<const LagSample> samples, absl::Time baseline_start,
                         const FaultMarks& marks, int64_t lag_floor, absl::Time drain_end);

// The per-attempt check of --expect_no_ok_during_fault.
struct NoOkCheck {
  // Attempts that ended (returned to the caller) within [window.start +
  // grace, window.end], over all windows, and how many of them were OK. An
  // attempt already in flight when the fault began counts: it returned
  // during the fault.
  int64_t checked = 0;
  int64_t ok = 0;
  // Longest attempt of the whole run.
  absl::Duration longest_attempt;
};

NoOkCheck CheckNoOkDuringFaults(const RunRecord& record, absl::Span<const FaultWindow> windows,
                                absl::Duration grace);

}  // namespace ingest::chaos
