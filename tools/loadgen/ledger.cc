#include "tools/loadgen/ledger.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
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
  std::sort(entries.begin(), entries.end(),
            [](const LedgerEntry& a, const LedgerEntry& b) {
              return std::tie(a.session_id, a.payload_id) <
                     std::tie(b.session_id, b.payload_id);
            });
  return entries;
}

std::string FormatLedgerTsv(absl::Span<const LedgerEntry> entries) {
  std::string out = "session_id\tpayload_id\tsize_bytes\tsha256\n";
  for (const LedgerEntry& entry : entries) {
    absl::StrAppend(&out, entry.session_id, "\t", entry.payload_id, "\t",
                    entry.size_bytes, "\t", entry.sha256_hex, "\n");
  }
  return out;
}

absl::Status WriteLedgerTsv(absl::Span<const LedgerEntry> entries,
                            const std::string& path) {
  const std::string text = FormatLedgerTsv(entries);
  std::FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot open ", path));
  }
  const bool written = std::fwrite(text.data(), 1, text.size(), file) ==
                       text.size();
  const int write_errno = errno;
  if (std::fclose(file) != 0 || !written) {
    return absl::ErrnoToStatus(written ? errno : write_errno,
                               absl::StrCat("cannot write ", path));
  }
  return absl::OkStatus();
}

}  // namespace ingest::loadgen
