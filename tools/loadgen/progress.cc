#include "tools/loadgen/progress.h"

#include "absl/strings/str_format.h"

namespace ingest::loadgen {

std::string FormatLoadProgress(const LoadProgress& progress) {
  const double seconds = absl::ToDoubleSeconds(progress.elapsed);
  const double mb_per_second =
      seconds > 0 ? static_cast<double>(progress.bytes) / 1e6 / seconds : 0.0;
  return absl::StrFormat("loadgen: %d/%d acked  %.1f MB/s  retries=%d  errors=%d", progress.acked,
                         progress.total, mb_per_second, progress.retries, progress.errors);
}

std::string FormatVerifyProgress(int64_t present, int64_t expected, absl::Duration elapsed) {
  return absl::StrFormat("verify: %d/%d persisted  %.1fs", present, expected,
                         absl::ToDoubleSeconds(elapsed));
}

std::string FormatCompletionProgress(int64_t completed, int64_t expected, absl::Duration elapsed) {
  return absl::StrFormat("verify: %d/%d sessions completed  %.1fs", completed, expected,
                         absl::ToDoubleSeconds(elapsed));
}

}  // namespace ingest::loadgen
