#include "bench/common/metrics_text.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace ingest::bench {
namespace {

// The length of the label set at the front of `line` ("{...}", braces
// included), quotes and escapes respected; npos when it does not end on
// this line.
size_t LabelSetLength(absl::string_view line) {
  bool quoted = false;
  for (size_t i = 1; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '\\') {
      ++i;  // the escaped character, whatever it is
    } else if (c == '"') {
      quoted = !quoted;
    } else if (!quoted && c == '}') {
      return i + 1;
    }
  }
  return absl::string_view::npos;
}

}  // namespace

std::optional<double> SumOfMetric(absl::string_view exposition, absl::string_view name) {
  return SumOfMetric(exposition, name, /*label_match=*/"");
}

std::optional<double> SumOfMetric(absl::string_view exposition, absl::string_view name,
                                  absl::string_view label_match) {
  std::optional<double> total;
  for (absl::string_view line : absl::StrSplit(exposition, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    if (!absl::ConsumePrefix(&line, name)) continue;
    absl::string_view labels;
    if (!line.empty() && line.front() == '{') {
      const size_t length = LabelSetLength(line);
      if (length == absl::string_view::npos) continue;
      labels = line.substr(0, length);
      line.remove_prefix(length);
    }
    // Whitespace must follow the name or labels; anything else is a longer name.
    if (line.empty() || !absl::ascii_isspace(static_cast<unsigned char>(line.front()))) continue;
    if (!label_match.empty() && !absl::StrContains(labels, label_match)) continue;
    line = absl::StripLeadingAsciiWhitespace(line);
    const absl::string_view value = line.substr(0, line.find_first_of(" \t"));  // then a timestamp
    double number = 0;
    if (!absl::SimpleAtod(value, &number)) continue;
    total = total.value_or(0) + number;
  }
  return total;
}

}  // namespace ingest::bench
