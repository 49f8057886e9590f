#include "tools/loadgen/summary.h"

#include "absl/strings/str_cat.h"

namespace ingest::loadgen {

std::string FormatSummaryLine(const RunSummary& summary) {
  const VerificationReport& r = summary.report;
  return absl::StrCat(summary.label, ": sessions=", summary.sessions,
                      " payloads=", summary.payloads, " acked=", summary.acked,
                      " persisted=", r.persisted, " lost=", r.lost, " duplicates=", r.duplicates,
                      " out_of_order=", r.out_of_order, " mismatched=", r.mismatched,
                      " summaries_exact=", summary.summaries.summaries_exact,
                      " sessions_completed=", summary.summaries.sessions_completed);
}

int ExitCodeFor(const RunSummary& summary) {
  const VerificationReport& r = summary.report;
  const SummaryReport& s = summary.summaries;
  const bool clean = summary.acked == summary.payloads && r.lost == 0 && r.duplicates == 0 &&
                     r.out_of_order == 0 && r.mismatched == 0 && s.summaries_mismatched == 0 &&
                     s.completions_missing == 0;
  return clean ? kExitOk : kExitFailed;
}

}  // namespace ingest::loadgen
