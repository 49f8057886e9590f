#pragma once

#include <cstdint>
#include <string>

#include "tools/loadgen/summary_check.h"
#include "tools/loadgen/verifier.h"

namespace ingest::loadgen {

// Process exit codes of the loadgen binary.
inline constexpr int kExitOk = 0;      // every payload acked and verified
inline constexpr int kExitFailed = 1;  // something lost, duplicated, ...
inline constexpr int kExitUsage = 2;   // bad flags, or stack not reachable

// The outcome of one run.
struct RunSummary {
  std::string label;
  int64_t sessions = 0;
  int64_t payloads = 0;  // sessions * payloads per session
  int64_t acked = 0;
  VerificationReport report;
  SummaryReport summaries;
};

// The last stdout line, exactly:
// "LABEL: sessions=S payloads=P acked=A persisted=N lost=L duplicates=D
//  out_of_order=O mismatched=M summaries_exact=E sessions_completed=C" (one
// line).
std::string FormatSummaryLine(const RunSummary& summary);

// kExitOk if every payload was acked, none is lost, duplicated, out of order
// or mismatched, every session's summary is exact and every session that
// had to complete did; kExitFailed otherwise.
int ExitCodeFor(const RunSummary& summary);

}  // namespace ingest::loadgen
