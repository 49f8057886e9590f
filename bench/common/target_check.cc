#include "bench/common/target_check.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "bench/common/results_file.h"

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

TargetRecord ToTargetRecord(const TargetCheck& check) {
  TargetRecord record;
  record.set_kind("target");
  record.set_name(check.name);
  record.set_verdict(!check.measured ? "not measured" : (check.held ? "held" : "missed"));
  record.set_detail(check.detail);
  return record;
}

std::string TargetJson(const TargetCheck& check) { return ToJsonLine(ToTargetRecord(check)); }

}  // namespace ingest::bench
