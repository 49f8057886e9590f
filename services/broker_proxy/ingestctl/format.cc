#include "services/broker_proxy/ingestctl/format.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"

namespace ingest::ingestctl {

std::string FormatOffset(int64_t offset) {
  return offset < 0 ? "-" : absl::StrCat(offset);
}

std::string FormatAge(double seconds) {
  if (seconds == 0) return "-";
  if (!(seconds > 0)) return "0s";  // negative or NaN
  if (seconds < 60) return absl::StrFormat("%.1fs", seconds);
  const int64_t whole = static_cast<int64_t>(seconds);
  if (whole < 3600) return absl::StrFormat("%dm%02ds", whole / 60, whole % 60);
  if (whole < 86400) {
    return absl::StrFormat("%dh%02dm", whole / 3600, whole % 3600 / 60);
  }
  return absl::StrFormat("%dd%02dh", whole / 86400, whole % 86400 / 3600);
}

std::string FormatBytes(int64_t bytes) {
  if (bytes < 0) return "?";
  if (bytes < 1024) return absl::StrCat(bytes, " B");
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  double value = static_cast<double>(bytes) / 1024;
  int unit = 0;
  while (value >= 1024 && unit + 1 < static_cast<int>(std::size(kUnits))) {
    value /= 1024;
    ++unit;
  }
  return absl::StrFormat("%.1f %s", value, kUnits[unit]);
}

std::string FormatUnixMillis(int64_t unix_ms) {
  if (unix_ms == 0) return "-";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixMillis(unix_ms),
                          absl::UTCTimeZone());
}

std::string FormatMillis(int64_t ms) {
  if (ms <= 0) return "0s";
  if (ms < 1000) return absl::StrCat(ms, "ms");
  const int64_t s = ms / 1000;
  if (s < 60) return absl::StrCat(s, "s");
  if (s < 3600) return absl::StrCat(s / 60, "m ", s % 60, "s");
  if (s < 86400) return absl::StrCat(s / 3600, "h ", s % 3600 / 60, "m ", s % 60, "s");
  return absl::StrCat(s / 86400, "d ", s % 86400 / 3600, "h ", s % 3600 / 60, "m");
}

std::string FormatIds(absl::Span<const int32_t> ids) {
  return ids.empty() ? "-" : absl::StrJoin(ids, ",");
}

}  // namespace ingest::ingestctl
