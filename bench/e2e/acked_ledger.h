#pragma once

// The ledger tools/loadgen's verifier checks PostgreSQL against, for a run
// whose sink only says how far each session was acknowledged: payloads
// 1..acked_through of every session, each expected stored once, in order,
// with an intact body. The sink does not say which of the pool's bodies a
// payload carried, so a payload expects its stored body when that is one of
// the pool's, and otherwise a body the verifier cannot find, which it
// reports as mismatched. Pure.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/types/span.h"
#include "tools/loadgen/ledger.h"
#include "tools/loadgen/stored_rows.h"

namespace ingest::bench_e2e {

struct AckedSession {
  std::string session_id;
  uint64_t acked_through = 0;  // the highest payload_id acknowledged (0: none)
};

// The bodies a run sent: hex SHA-256 of each serialized PayloadContent, and
// their size.
struct SentBodies {
  absl::flat_hash_set<std::string> sha256_hex;
  uint64_t size_bytes = 0;
};

std::vector<loadgen::LedgerEntry> AckedLedger(absl::Span<const AckedSession> sessions,
                                              const SentBodies& bodies,
                                              const loadgen::StoredRows& stored);

}  // namespace ingest::bench_e2e
