#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "tools/chaos/lag_tracker.h"
#include "tools/chaos/run_recorder.h"

namespace ingest::chaos {

// The run second by second, one JSON object per line, for plots:
//   {"t_s":0,"acked":12,"attempts":13,"errors":1,"p99_ms":45.2,"lag":3}
// from second 0 (the load start) to the last second that has an attempt, an
// acknowledgement or a lag sample. attempts/errors count the attempts that
// started in the second, acked the acknowledgements that arrived in it,
// p99_ms is over its OK attempts (0 if none), lag is the largest sample
// taken in it, else the one before (null before the first sample).
std::string FormatTimeline(const RunRecord& record,
                           absl::Span<const LagSample> samples);

// Writes `text` to `path`, replacing it.
absl::Status WriteTextFile(const std::string& path, const std::string& text);

}  // namespace ingest::chaos
