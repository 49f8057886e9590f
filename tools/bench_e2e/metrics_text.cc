#include "tools/bench_e2e/metrics_text.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace ingest::bench_e2e {

double SumMetric(absl::string_view exposition, absl::string_view name,
                 absl::string_view label_match) {
  double total = 0;
  for (absl::string_view line : absl::StrSplit(exposition, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    if (!absl::ConsumePrefix(&line, name)) continue;
    absl::string_view labels;
    if (!line.empty() && line.front() == '{') {
      const size_t close = line.find('}');
      if (close == absl::string_view::npos) continue;
      labels = line.substr(0, close + 1);
      line.remove_prefix(close + 1);
    }
    if (line.empty() || line.front() != ' ') continue;  // another metric with this prefix
    if (!label_match.empty() && labels.find(label_match) == absl::string_view::npos) continue;
    line = absl::StripLeadingAsciiWhitespace(line);
    const absl::string_view value = line.substr(0, line.find(' '));  // a timestamp may follow
    double number = 0;
    if (absl::SimpleAtod(value, &number)) total += number;
  }
  return total;
}

}  // namespace ingest::bench_e2e
