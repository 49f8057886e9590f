#include "tools/loadgen/summary_check.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/message_differencer.h"

namespace ingest::loadgen {
namespace {

// A field diff longer than this is cut: the first fields say enough.
constexpr size_t kMaxDiffChars = 400;

void AddProblem(SummaryReport& report, std::string problem) {
  if (report.problems.size() < SummaryReport::kMaxProblems) {
    report.problems.push_back(std::move(problem));
  }
}

// What differs from `expected` in `actual`, one "modified: f: a -> b" per
// field, joined by "; ". Empty when they are equal.
std::string FieldDiff(const v1::SessionSummary& expected, const v1::SessionSummary& actual) {
  std::string report;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&report);
  if (differencer.Compare(expected, actual)) return "";
  std::string diff = absl::StrReplaceAll(absl::StripSuffix(report, "\n"), {{"\n", "; "}});
  if (diff.size() > kMaxDiffChars) diff = absl::StrCat(diff.substr(0, kMaxDiffChars), "...");
  return diff;
}

}  // namespace

SummaryReport CheckSummaries(absl::Span<const LedgerEntry> acked, const StoredRows& rows,
                             FactsSource facts_of, const SummaryCheckOptions& options) {
  SummaryReport report;

  // The sessions to check, by id, with their factory coordinate.
  std::map<std::string, int> session_index;
  for (const LedgerEntry& entry : acked) {
    if (entry.session_index >= 0) session_index.emplace(entry.session_id, entry.session_index);
  }
  absl::flat_hash_map<std::string, std::vector<uint64_t>> stored_ids;
  for (const StoredPayload& payload : rows.payloads) {
    if (session_index.contains(payload.session_id)) {
      stored_ids[payload.session_id].push_back(payload.payload_id);
    }
  }
  absl::flat_hash_map<std::string, const StoredSession*> sessions;
  for (const StoredSession& session : rows.sessions) sessions[session.session_id] = &session;

  for (const auto& [session_id, index] : session_index) {
    std::vector<uint64_t>& ids = stored_ids[session_id];
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    const std::string name = absl::StrCat("session ", session_id, " (index ", index, ")");

    const auto row = sessions.find(session_id);
    if (row == sessions.end()) {
      ++report.summaries_mismatched;
      AddProblem(report, absl::StrCat("summary: ", name, " has no row in sessions"));
      continue;
    }
    const StoredSession& session = *row->second;

    const bool completed = session.status == kSessionCompleted;
    report.sessions_completed += completed;
    if (options.require_completion && !completed &&
        std::binary_search(ids.begin(), ids.end(), options.last_payload_id)) {
      ++report.completions_missing;
      AddProblem(report, absl::StrCat("not completed: ", name, " stored its last payload (",
                                      options.last_payload_id, ", the page unloaded) but is '",
                                      session.status, "'"));
    }

    v1::SessionSummary stored;
    if (!session.summary.has_value()) {
      ++report.summaries_mismatched;
      AddProblem(report, absl::StrCat("summary: ", name, " has none (NULL) for ", ids.size(),
                                      " stored payloads"));
      continue;
    }
    if (!stored.ParseFromString(*session.summary)) {
      ++report.summaries_mismatched;
      AddProblem(report, absl::StrCat("summary: ", name, " holds ", session.summary->size(),
                                      " bytes that are not a SessionSummary"));
      continue;
    }

    std::vector<v1::PayloadFacts> facts;
    facts.reserve(ids.size());
    for (const uint64_t id : ids) facts.push_back(facts_of(index, id));
    std::vector<IdentifiedFacts> payloads;
    payloads.reserve(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) payloads.push_back({ids[i], &facts[i]});
    const v1::SessionSummary expected = SummarizeSession(payloads, options.rage_clicks);

    if (const std::string diff = FieldDiff(expected, stored); !diff.empty()) {
      ++report.summaries_mismatched;
      AddProblem(report, absl::StrCat("summary: ", name, " over ", ids.size(),
                                      " stored payloads differs from the expected one: ", diff));
    } else {
      ++report.summaries_exact;
    }
  }
  return report;
}

}  // namespace ingest::loadgen
