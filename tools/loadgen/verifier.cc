#include "tools/loadgen/verifier.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace ingest::loadgen {
namespace {

void AddProblem(VerificationReport& report, std::string problem) {
  if (report.problems.size() < VerificationReport::kMaxProblems) {
    report.problems.push_back(std::move(problem));
  }
}

std::string Name(const std::string& session_id, uint64_t payload_id) {
  return absl::StrCat("session ", session_id, " payload ", payload_id);
}

std::vector<std::string> SortedDistinct(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

}  // namespace

VerificationReport Verify(absl::Span<const LedgerEntry> acked, const StoredRows& rows) {
  VerificationReport report;

  absl::flat_hash_map<PayloadKey, const StoredPayload*> stored;
  absl::flat_hash_map<std::string, absl::flat_hash_set<uint64_t>> distinct_payloads;
  for (const StoredPayload& payload : rows.payloads) {
    stored.emplace(PayloadKey{payload.session_id, payload.payload_id}, &payload);
    distinct_payloads[payload.session_id].insert(payload.payload_id);
  }

  // Per session: (payload_id, first_seq) of its persisted acked payloads.
  std::map<std::string, std::vector<std::pair<uint64_t, int64_t>>> order;
  for (const LedgerEntry& entry : acked) {
    const auto it = stored.find(PayloadKey{entry.session_id, entry.payload_id});
    if (it == stored.end()) {
      ++report.lost;
      AddProblem(report, absl::StrCat("lost: ", Name(entry.session_id, entry.payload_id),
                                      " was acknowledged but has no row"));
      continue;
    }
    const StoredPayload& payload = *it->second;
    ++report.persisted;
    order[entry.session_id].emplace_back(entry.payload_id, payload.first_seq);
    if (payload.head_rows > 1) {
      report.duplicates += payload.head_rows - 1;
      AddProblem(report, absl::StrCat("duplicate: ", Name(entry.session_id, entry.payload_id),
                                      " has ", payload.head_rows, " chunk-0 rows"));
    }
    if (payload.sha256_hex != entry.sha256_hex) {
      ++report.mismatched;
      AddProblem(report,
                 absl::StrCat("mismatched: ", Name(entry.session_id, entry.payload_id), " stored ",
                              payload.size_bytes, " bytes sha256 ", payload.sha256_hex, ", sent ",
                              entry.size_bytes, " bytes sha256 ", entry.sha256_hex));
    }
  }

  for (auto& [session_id, payloads] : order) {
    std::sort(payloads.begin(), payloads.end());
    for (size_t i = 1; i < payloads.size(); ++i) {
      if (payloads[i].second < payloads[i - 1].second) {
        ++report.out_of_order;
        AddProblem(report, absl::StrCat("out of order: session ", session_id, " payload ",
                                        payloads[i].first, " was stored before payload ",
                                        payloads[i - 1].first));
      }
    }
  }

  const absl::flat_hash_set<std::string> acked_sessions = [&] {
    absl::flat_hash_set<std::string> ids;
    for (const LedgerEntry& entry : acked) ids.insert(entry.session_id);
    return ids;
  }();
  for (const StoredSession& session : rows.sessions) {
    if (!acked_sessions.contains(session.session_id)) continue;
    const auto it = distinct_payloads.find(session.session_id);
    const int64_t distinct =
        it == distinct_payloads.end() ? 0 : static_cast<int64_t>(it->second.size());
    if (session.payload_count > distinct) {
      report.duplicates += session.payload_count - distinct;
      AddProblem(report, absl::StrCat("duplicate: session ", session.session_id, " counts ",
                                      session.payload_count, " payloads but stores ", distinct));
    }
  }
  return report;
}

std::vector<PayloadKey> MissingKeys(absl::Span<const LedgerEntry> acked,
                                    absl::Span<const PayloadKey> present) {
  const absl::flat_hash_set<PayloadKey> stored(present.begin(), present.end());
  std::vector<PayloadKey> missing;
  for (const LedgerEntry& entry : acked) {
    PayloadKey key{entry.session_id, entry.payload_id};
    if (!stored.contains(key)) missing.push_back(std::move(key));
  }
  return missing;
}

std::vector<std::string> SessionIdsOf(absl::Span<const LedgerEntry> acked) {
  std::vector<std::string> ids;
  for (const LedgerEntry& entry : acked) ids.push_back(entry.session_id);
  return SortedDistinct(std::move(ids));
}

std::vector<std::string> SessionsWithPayload(absl::Span<const PayloadKey> present,
                                             uint64_t payload_id) {
  std::vector<std::string> ids;
  for (const PayloadKey& key : present) {
    if (key.payload_id == payload_id) ids.push_back(key.session_id);
  }
  return SortedDistinct(std::move(ids));
}

int64_t CountCompleted(absl::Span<const SessionStatus> statuses) {
  return std::count_if(statuses.begin(), statuses.end(), [](const SessionStatus& status) {
    return status.status == kSessionCompleted;
  });
}

}  // namespace ingest::loadgen
