#include "tools/loadgen/ledger.h"

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"

namespace ingest::loadgen {

void Ledger::Record(LedgerEntry entry) {
  absl::MutexLock lock(&mu_);
  total_bytes_ += entry.size_bytes;
  entries_.push_back(std::move(entry));
}

size_t Ledger::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

uint64_t Ledger::total_bytes() const {
  absl::MutexLock lock(&mu_);
  return total_bytes_;
}

std::vector<LedgerEntry> Ledger::Entries() const {
  std::vector<LedgerEntry> entries;
  {
    absl::MutexLock lock(&mu_);
    entries = entries_;
  }
  std::sort(entries.begin(), entries.end(), [](const LedgerEntry& a, const LedgerEntry& b) {
    return std::tie(a.session_id, a.payload_id) < std::tie(b.session_id, b.payload_id);
  });
  return entries;
}

std::string FormatLedgerTsv(absl::Span<const LedgerEntry> entries) {
  std::string out = "session_id\tpayload_id\tsize_bytes\tsha256\n";
  for (const LedgerEntry& entry : entries) {
    absl::StrAppend(&out, entry.session_id, "\t", entry.payload_id, "\t", entry.size_bytes, "\t",
                    entry.sha256_hex, "\n");
  }
  return out;
}

absl::Status WriteLedgerTsv(absl::Span<const LedgerEntry> entries, const std::string& path) {
  std::ofstream file(path, std::ios::trunc);
  file << FormatLedgerTsv(entries);
  file.close();
  if (!file) return absl::ErrnoToStatus(errno, absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

}  // namespace ingest::loadgen
