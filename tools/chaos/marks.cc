#include "tools/chaos/marks.h"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace ingest::chaos {
namespace {

std::string FormatMs(absl::Time time) { return absl::StrCat(absl::ToUnixMillis(time)); }

}  // namespace

absl::StatusOr<FaultMarks> ParseMarks(absl::string_view text) {
  FaultMarks marks;
  std::optional<absl::Time> open;  // fault_start without its fault_end yet
  int open_line = 0;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    const std::vector<absl::string_view> words = absl::StrSplit(line, ' ', absl::SkipWhitespace());
    auto invalid = [&](auto&&... parts) {
      return absl::InvalidArgumentError(
          absl::StrCat("marks line ", line_number, " '", line, "': ", parts...));
    };
    int64_t unix_ms = 0;
    if (words.size() != 2 || !absl::SimpleAtoi(words[1], &unix_ms) || unix_ms <= 0) {
      return invalid("expected `fault_start <unix_ms>` or `fault_end <unix_ms>`");
    }
    const absl::Time at = absl::FromUnixMillis(unix_ms);
    if (words[0] == "fault_start") {
      if (open.has_value()) {
        return invalid("fault_start while the fault_start of line ", open_line,
                       " has no fault_end yet");
      }
      if (!marks.windows.empty() && at < marks.last_end()) {
        return invalid("fault_start before the previous fault_end (", FormatMs(marks.last_end()),
                       ")");
      }
      open = at;
      open_line = line_number;
    } else if (words[0] == "fault_end") {
      if (!open.has_value()) return invalid("fault_end without a fault_start");
      if (at < *open) return invalid("fault_end before its fault_start");
      marks.windows.push_back({*open, at});
      open.reset();
    } else {
      return invalid("unknown keyword '", words[0], "'");
    }
  }
  if (open.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("marks: the fault_start of line ", open_line, " has no fault_end"));
  }
  if (marks.windows.empty()) {
    return absl::InvalidArgumentError("marks: no fault_start/fault_end pair");
  }
  return marks;
}

absl::Status ValidateMarksForRun(const FaultMarks& marks, absl::Time load_start, absl::Time now) {
  if (marks.first_start() < load_start) {
    return absl::FailedPreconditionError(
        absl::StrCat("fault_start ", FormatMs(marks.first_start()), " is before the load started (",
                     FormatMs(load_start), "): a marks file left over from an earlier run?"));
  }
  if (marks.last_end() > now) {
    return absl::FailedPreconditionError(absl::StrCat(
        "fault_end ", FormatMs(marks.last_end()), " is in the future (now ", FormatMs(now), ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<FaultMarks> ReadMarksFile(const std::string& path) {
  std::ifstream file(path);
  if (!file) {
    return absl::NotFoundError(
        absl::StrCat("marks file ", path, " cannot be read (", std::strerror(errno),
                     "): the orchestrator should have written `fault_start <unix_ms>` and "
                     "`fault_end <unix_ms>` lines there"));
  }
  std::stringstream text;
  text << file.rdbuf();
  absl::StatusOr<FaultMarks> marks = ParseMarks(text.str());
  if (!marks.ok()) {
    return absl::Status(marks.status().code(), absl::StrCat(path, ": ", marks.status().message()));
  }
  return marks;
}

}  // namespace ingest::chaos
