#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/types/span.h"
#include "ingest/v1/facts.pb.h"
#include "services/common/facts/session_summary.h"
#include "tools/loadgen/ledger.h"
#include "tools/loadgen/stored_rows.h"

namespace ingest::loadgen {

// What the verifier found in the sessions' summaries and lifecycle.
struct SummaryReport {
  // Sessions whose stored summary equals the one expected, field for field.
  int64_t summaries_exact = 0;
  // Sessions whose summary differs, is missing (no session row, NULL) or
  // does not parse.
  int64_t summaries_mismatched = 0;
  // Sessions whose status is 'completed'.
  int64_t sessions_completed = 0;
  // Sessions that stored their last payload (the one that says the page
  // unloaded) but are not completed; counted only when completion is
  // required.
  int64_t completions_missing = 0;
  // A readable line for each of the first kMaxProblems problems found.
  std::vector<std::string> problems;

  static constexpr size_t kMaxProblems = 20;
};

struct SummaryCheckOptions {
  // The id of each session's last payload, the one sent with
  // has_session_unloaded: a session that stored it must be completed.
  uint64_t last_payload_id = 0;
  // False: completion is reported (sessions_completed) but not required.
  bool require_completion = true;
  // The rule the worker folds rage clicks with.
  RageClickRule rage_clicks;
};

// The facts the payload (session_index, payload_id) was built with: the
// ground truth (PayloadFactory::FactsOf).
using FactsSource = absl::FunctionRef<v1::PayloadFacts(int session_index, uint64_t payload_id)>;

// Checks every session of `acked` (those with a session_index) against
// `rows`: its stored summary must equal SummarizeSession over the facts of
// its STORED payloads (any in `rows`, acknowledged or not) in payload-id
// order - compared with protobuf's MessageDifferencer, the problem line
// naming the fields that differ - and, when it stored payload
// last_payload_id, its status must be 'completed'. Pure.
SummaryReport CheckSummaries(absl::Span<const LedgerEntry> acked, const StoredRows& rows,
                             FactsSource facts_of, const SummaryCheckOptions& options);

}  // namespace ingest::loadgen
