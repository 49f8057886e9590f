#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "tools/loadgen/ledger.h"
#include "tools/loadgen/stored_rows.h"

namespace ingest::loadgen {

// The outcome of comparing the ledger with the database.
struct VerificationReport {
  // Acknowledged payloads found in the database.
  int64_t persisted = 0;
  // Acknowledged payloads with no row.
  int64_t lost = 0;
  // Extra copies: chunk-0 rows beyond the first of an acknowledged payload,
  // plus, per session, sessions.payload_count beyond its distinct stored
  // payloads (a payload whose effect was applied twice).
  int64_t duplicates = 0;
  // Per session, over its acknowledged payloads ordered by payload_id: the
  // adjacent pairs whose first persisted_seq decreases.
  int64_t out_of_order = 0;
  // Acknowledged payloads whose stored bytes hash differently.
  int64_t mismatched = 0;
  // A readable line for each of the first kMaxProblems problems found.
  std::vector<std::string> problems;

  static constexpr size_t kMaxProblems = 20;
};

// Compares the acknowledged payloads (`acked`, any order) with what is stored
// for their sessions. Pure; `rows` may hold payloads that are not in the
// ledger (given up by the client but stored anyway): they count only towards
// the distinct payloads of their session.
VerificationReport Verify(absl::Span<const LedgerEntry> acked, const StoredRows& rows);

// The keys of `acked` that `present` lacks, in ledger order.
std::vector<PayloadKey> MissingKeys(absl::Span<const LedgerEntry> acked,
                                    absl::Span<const PayloadKey> present);

// How many of `acked` appear in `present`.
inline int64_t CountPresent(absl::Span<const LedgerEntry> acked,
                            absl::Span<const PayloadKey> present) {
  return static_cast<int64_t>(acked.size() - MissingKeys(acked, present).size());
}

// The distinct session ids of `acked`, sorted.
std::vector<std::string> SessionIdsOf(absl::Span<const LedgerEntry> acked);

// The sessions among `present` that have payload `payload_id`, sorted and
// distinct (those whose last payload is stored, so that must complete).
std::vector<std::string> SessionsWithPayload(absl::Span<const PayloadKey> present,
                                             uint64_t payload_id);

// How many of `statuses` are 'completed'.
int64_t CountCompleted(absl::Span<const SessionStatus> statuses);

}  // namespace ingest::loadgen
