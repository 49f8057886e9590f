#include "tools/chaos/timeline.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace ingest::chaos {

std::string FormatTimeline(const RunRecord& record,
                           absl::Span<const LagSample> samples) {
  // Largest sample per second.
  std::vector<std::optional<int64_t>> lag_by_second(record.seconds.size());
  for (const LagSample& sample : samples) {
    if (sample.at < record.origin) continue;
    const auto second = static_cast<size_t>(
        absl::ToInt64Seconds(absl::Floor(sample.at - record.origin, absl::Seconds(1))));
    if (second >= lag_by_second.size()) lag_by_second.resize(second + 1);
    lag_by_second[second] = std::max(lag_by_second[second].value_or(0), sample.lag);
  }
  const size_t seconds = std::max(record.seconds.size(), lag_by_second.size());

  std::string out;
  std::optional<int64_t> lag;
  const SecondStats empty;
  for (size_t i = 0; i < seconds; ++i) {
    const SecondStats& second = i < record.seconds.size() ? record.seconds[i] : empty;
    if (i < lag_by_second.size() && lag_by_second[i].has_value()) lag = lag_by_second[i];
    absl::StrAppendFormat(
        &out,
        "{\"t_s\":%d,\"acked\":%d,\"attempts\":%d,\"errors\":%d,\"p99_ms\":%.1f,"
        "\"lag\":%s}\n",
        i, second.acked, second.attempts, second.errors(),
        absl::ToDoubleMilliseconds(second.ok_latency.Quantile(0.99)),
        lag.has_value() ? absl::StrCat(*lag) : "null");
  }
  return out;
}

absl::Status WriteTextFile(const std::string& path, const std::string& text) {
  std::FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot write ", path));
  }
  const size_t written = std::fwrite(text.data(), 1, text.size(), file);
  const int write_errno = errno;
  if (std::fclose(file) != 0 || written != text.size()) {
    return absl::ErrnoToStatus(write_errno, absl::StrCat("cannot write ", path));
  }
  return absl::OkStatus();
}

}  // namespace ingest::chaos
