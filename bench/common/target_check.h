#pragma once

// A benchmark target and its verdict, shared by the gateway and worker
// benchmarks: how the verdicts read on a `bench <name>: targets ...` line and
// as a results record of kind "target". Targets are reported, never asserted.

#include <string>

#include "absl/types/span.h"
#include "target_record.pb.h"

namespace ingest::bench {

struct TargetCheck {
  std::string name;    // e.g. "ratio@100KB>=0.85"
  bool measured = false;
  bool held = false;
  std::string detail;  // the measured values behind the verdict
};

// "ratio@100KB>=0.85 held (0.91); rss_growth<=64MB not measured": each check
// as name, verdict ("held", "MISSED", "not measured") and detail if any.
std::string FormatTargetChecks(absl::Span<const TargetCheck> checks);

// The check as a record for ResultsFile::Write: verdict "held", "missed" or
// "not measured".
TargetRecord ToTargetRecord(const TargetCheck& check);

// ToTargetRecord as one JSON line:
// {"kind":"target","name":…,"verdict":"held"|"missed"|"not measured","detail":…}
std::string TargetJson(const TargetCheck& check);

}  // namespace ingest::bench
