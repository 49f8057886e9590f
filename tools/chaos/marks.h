#pragma once

// The fault marks the orchestrator writes while chaos_load runs: one line
// per event, `fault_start <unix_ms>` or `fault_end <unix_ms>`. A scenario
// with several faults (a broker killed three times) repeats the pair.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace ingest::chaos {

// One fault: [start, end], start <= end.
struct FaultWindow {
  absl::Time start;
  absl::Time end;

  friend bool operator==(const FaultWindow&, const FaultWindow&) = default;
};

// The faults of a run: at least one window, in time order, not overlapping.
// Recovery is measured from the last end; the pre-fault baseline ends at the
// first start.
struct FaultMarks {
  std::vector<FaultWindow> windows;

  absl::Time first_start() const { return windows.front().start; }
  absl::Time last_end() const { return windows.back().end; }
};

// Parses marks text. Blank lines and lines starting with '#' are ignored;
// surrounding whitespace is allowed. INVALID_ARGUMENT, naming the line, for
// an unknown keyword, a bad time, a fault_end without an open fault_start (or
// before it), a fault_start while one is open or before the previous
// fault_end, a fault_start never closed, or no fault at all.
absl::StatusOr<FaultMarks> ParseMarks(absl::string_view text);

// FAILED_PRECONDITION if `marks` cannot describe a run whose load started at
// `load_start`, read at `now`: a fault_start before the load started (a
// marks file left over from an earlier run?) or a mark after `now`.
absl::Status ValidateMarksForRun(const FaultMarks& marks, absl::Time load_start, absl::Time now);

// Reads and parses `path`. NOT_FOUND if it does not exist; the message says
// what the file should contain.
absl::StatusOr<FaultMarks> ReadMarksFile(const std::string& path);

}  // namespace ingest::chaos
