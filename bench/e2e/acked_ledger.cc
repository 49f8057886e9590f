#include "bench/e2e/acked_ledger.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

namespace ingest::bench_e2e {

std::vector<loadgen::LedgerEntry> AckedLedger(absl::Span<const AckedSession> sessions,
                                              const SentBodies& bodies,
                                              const loadgen::StoredRows& stored) {
  absl::flat_hash_map<loadgen::PayloadKey, const std::string*> stored_hashes;
  for (const loadgen::StoredPayload& payload : stored.payloads) {
    stored_hashes[{payload.session_id, payload.payload_id}] = &payload.sha256_hex;
  }
  // What the verifier prints as the sent body of a mismatch.
  const std::string unknown = absl::StrCat("(one of the ", bodies.sha256_hex.size(), " sent)");
  std::vector<loadgen::LedgerEntry> ledger;
  for (const AckedSession& session : sessions) {
    for (uint64_t id = 1; id <= session.acked_through; ++id) {
      const auto it = stored_hashes.find(loadgen::PayloadKey{session.session_id, id});
      const bool sent = it != stored_hashes.end() && bodies.sha256_hex.contains(*it->second);
      ledger.push_back({.session_id = session.session_id,
                        .payload_id = id,
                        .size_bytes = bodies.size_bytes,
                        .sha256_hex = sent ? *it->second : unknown});
    }
  }
  return ledger;
}

}  // namespace ingest::bench_e2e
