#pragma once

// A benchmark target and its verdict, shared by the gateway, worker and
// end-to-end benchmarks: how the verdicts read on a `bench <name>: targets
// ...` line and as a results record of kind "target". Targets are reported,
// never asserted.

#include <cstdint>
#include <functional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "bench/common/run_spread.h"
#include "target_record.pb.h"

namespace ingest::bench {

struct TargetCheck {
  std::string name;  // e.g. "ratio@100KB>=0.85"
  bool measured = false;
  bool held = false;
  std::string detail;  // the measured values behind the verdict
};

// `name`, measured when `spread` has runs, then `held` or not; the detail is
// `format` of the median for one run, "median, runs min-max" for several
// (two decimals, as ratios print, unless `format` says otherwise).
TargetCheck SpreadCheck(std::string name, const RunSpread& spread, bool held,
                        const std::function<std::string(double)>& format = nullptr);

// Our throughput over a baseline's at one size (gateway ÷ raw producer,
// worker ÷ raw COPY), at least `min_ratio`.
struct RatioTarget {
  int64_t size_bytes = 0;
  double min_ratio = 0;
};

// "ratio@100KB>=0.95": held when the median of the per-pair ratios in
// `ratios` is at least the minimum.
TargetCheck RatioCheck(const RatioTarget& target, const RunSpread& ratios);

// "bench <name>: targets ratio@100KB>=0.85 held (0.91); rss_growth<=64MB not
// measured": each check as name, verdict ("held", "MISSED", "not measured")
// and detail if any.
std::string FormatTargetsLine(absl::string_view name, absl::Span<const TargetCheck> checks);

// The check as a record for ResultsFile::Write: verdict "held", "missed" or
// "not measured".
TargetRecord ToTargetRecord(const TargetCheck& check);

}  // namespace ingest::bench
