#pragma once

// The writer's calls (one PersistBatches each) and what a window of time
// saw of them: records and bytes committed, the longest call. Pure.

#include <cstdint>

#include "absl/time/time.h"
#include "absl/types/span.h"

namespace ingest::bench_retention {

// One PersistBatches call: one transaction of the writer.
struct WriteCall {
  absl::Time started;
  absl::Time finished;
  bool ok = false;
  int64_t records = 0;        // committed (0 when the call failed)
  int64_t content_bytes = 0;  // their serialized PayloadContent
  int64_t stored_bytes = 0;   // their session_payloads.data, as stored
};

struct WindowStats {
  absl::Duration length;
  int64_t calls = 0;  // finished inside the window
  int64_t failed_calls = 0;
  int64_t records = 0;
  int64_t content_bytes = 0;
  int64_t stored_bytes = 0;
  // The longest of those calls (one that began before the window
  // included): how long the writer was held.
  absl::Duration longest_call;
  double records_per_s = 0;
  double mb_per_s = 0;  // content MB (binary) per second
};

// The calls that finished in [from, to): their records, bytes, longest
// call and rate over the window's length. A call is counted in the window
// where it committed (or failed), like its records.
WindowStats SummarizeWindow(absl::Span<const WriteCall> calls, absl::Time from, absl::Time to);

// Two windows as one: counts and lengths added, rates over the total
// length, the longer of the longest calls (the baseline of a window with
// enforcement: the windows just before and just after it, so a drift of
// the machine during the run weighs on both sides alike).
WindowStats CombineWindows(const WindowStats& a, const WindowStats& b);

}  // namespace ingest::bench_retention
