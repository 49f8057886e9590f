#pragma once

#include <vector>

#include "absl/types/span.h"
#include "chaos_results.pb.h"
#include "tools/chaos/lag_tracker.h"
#include "tools/chaos/run_recorder.h"

namespace ingest::chaos {

// The run second by second (see TimelineSecond), from second 0 to the last
// second that has an attempt, an acknowledgement or a lag sample.
std::vector<TimelineSecond> Timeline(const RunRecord& record, absl::Span<const LagSample> samples);

}  // namespace ingest::chaos
