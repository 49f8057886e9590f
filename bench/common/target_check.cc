#include "bench/common/target_check.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "bench/common/size_label.h"

namespace ingest::bench {

TargetCheck SpreadCheck(std::string name, const RunSpread& spread, bool held,
                        const std::function<std::string(double)>& format) {
  const auto print = [&format](double value) {
    return format ? format(value) : absl::StrFormat("%.2f", value);
  };
  TargetCheck check{.name = std::move(name)};
  if (spread.runs == 0) return check;
  check.measured = true;
  check.held = held;
  check.detail = spread.runs == 1 ? print(spread.median)
                                  : absl::StrCat(print(spread.median), ", runs ", print(spread.min),
                                                 "-", print(spread.max));
  return check;
}

TargetCheck RatioCheck(const RatioTarget& target, const RunSpread& ratios) {
  return SpreadCheck(absl::StrCat("ratio@", SizeLabel(target.size_bytes), ">=", target.min_ratio),
                     ratios, ratios.median >= target.min_ratio);
}

std::string FormatTargetsLine(absl::string_view name, absl::Span<const TargetCheck> checks) {
  std::vector<std::string> parts;
  for (const TargetCheck& check : checks) {
    const char* verdict = !check.measured ? "not measured" : (check.held ? "held" : "MISSED");
    parts.push_back(check.detail.empty()
                        ? absl::StrCat(check.name, " ", verdict)
                        : absl::StrCat(check.name, " ", verdict, " (", check.detail, ")"));
  }
  return absl::StrCat("bench ", name, ": targets ", absl::StrJoin(parts, "; "));
}

TargetRecord ToTargetRecord(const TargetCheck& check) {
  TargetRecord record;
  record.set_kind("target");
  record.set_name(check.name);
  record.set_verdict(!check.measured ? "not measured" : (check.held ? "held" : "missed"));
  record.set_detail(check.detail);
  return record;
}

}  // namespace ingest::bench
