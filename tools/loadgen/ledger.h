#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"

namespace ingest::loadgen {

// One payload the gateway acknowledged with OK.
struct LedgerEntry {
  std::string session_id;
  // The session's coordinate in the PayloadFactory (the verifier rebuilds
  // the payloads' facts from it); -1 when the sender did not say.
  int session_index = -1;
  uint64_t payload_id = 0;
  // Size and lower-case hex SHA-256 of content.SerializeAsString().
  uint64_t size_bytes = 0;
  std::string sha256_hex;

  friend bool operator==(const LedgerEntry&, const LedgerEntry&) = default;
};

// What the load generator knows was acknowledged: the expectation the
// verifier checks PostgreSQL against.
//
// Thread-safe: session threads call Record(); the progress thread reads the
// totals; the verifier takes Entries() once the load is done.
class Ledger {
 public:
  // Adds one acknowledged payload.
  void Record(LedgerEntry entry);

  // Number of entries recorded so far.
  size_t size() const;

  // Sum of size_bytes over all entries.
  uint64_t total_bytes() const;

  // A copy of all entries, sorted by (session_id, payload_id).
  std::vector<LedgerEntry> Entries() const;

 private:
  mutable absl::Mutex mu_;
  std::vector<LedgerEntry> entries_ ABSL_GUARDED_BY(mu_);
  uint64_t total_bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

// The ledger as TSV: a header line `session_id payload_id size_bytes sha256`,
// then one line per entry in the given order.
std::string FormatLedgerTsv(absl::Span<const LedgerEntry> entries);

// Writes FormatLedgerTsv(entries) to `path` (replacing it).
absl::Status WriteLedgerTsv(absl::Span<const LedgerEntry> entries, const std::string& path);

}  // namespace ingest::loadgen
