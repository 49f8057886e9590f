#include "bench/common/target_check.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "bench/common/json_line.h"

namespace ingest::bench {

std::string FormatTargetChecks(absl::Span<const TargetCheck> checks) {
  std::vector<std::string> parts;
  for (const TargetCheck& check : checks) {
    const char* verdict = !check.measured ? "not measured" : (check.held ? "held" : "MISSED");
    parts.push_back(check.detail.empty()
                        ? absl::StrCat(check.name, " ", verdict)
                        : absl::StrCat(check.name, " ", verdict, " (", check.detail, ")"));
  }
  return absl::StrJoin(parts, "; ");
}

std::string TargetJson(const TargetCheck& check) {
  return JsonLine()
      .Add("kind", "target")
      .Add("name", check.name)
      .Add("verdict", !check.measured ? "not measured" : (check.held ? "held" : "missed"))
      .Add("detail", check.detail)
      .Build();
}

}  // namespace ingest::bench
