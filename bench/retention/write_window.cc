#include "bench/retention/write_window.h"

#include <algorithm>

namespace ingest::bench_retention {

namespace {

void SetRates(WindowStats& stats) {
  stats.records_per_s = 0;
  stats.mb_per_s = 0;
  if (stats.length <= absl::ZeroDuration()) return;
  const double seconds = absl::ToDoubleSeconds(stats.length);
  stats.records_per_s = static_cast<double>(stats.records) / seconds;
  stats.mb_per_s = static_cast<double>(stats.content_bytes) / (1 << 20) / seconds;
}

}  // namespace

WindowStats SummarizeWindow(absl::Span<const WriteCall> calls, absl::Time from, absl::Time to) {
  WindowStats stats;
  stats.length = std::max(to - from, absl::ZeroDuration());
  for (const WriteCall& call : calls) {
    if (call.finished < from || call.finished >= to) continue;
    stats.longest_call = std::max(stats.longest_call, call.finished - call.started);
    ++stats.calls;
    if (!call.ok) {
      ++stats.failed_calls;
      continue;
    }
    stats.records += call.records;
    stats.content_bytes += call.content_bytes;
    stats.stored_bytes += call.stored_bytes;
  }
  SetRates(stats);
  return stats;
}

WindowStats CombineWindows(const WindowStats& a, const WindowStats& b) {
  WindowStats stats{.length = a.length + b.length,
                    .calls = a.calls + b.calls,
                    .failed_calls = a.failed_calls + b.failed_calls,
                    .records = a.records + b.records,
                    .content_bytes = a.content_bytes + b.content_bytes,
                    .stored_bytes = a.stored_bytes + b.stored_bytes,
                    .longest_call = std::max(a.longest_call, b.longest_call)};
  SetRates(stats);
  return stats;
}

}  // namespace ingest::bench_retention
