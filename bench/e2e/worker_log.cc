#include "bench/e2e/worker_log.h"

#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace ingest::bench_e2e {
namespace {

enum class Change { kAssigned, kRevoked };

std::optional<Change> ChangeOf(absl::string_view line) {
  // Text: "... worker worker.partitions_assigned partitions=..."; JSON:
  // "event":"worker.partitions_assigned".
  for (const auto& [event, change] :
       {std::pair{absl::string_view("worker.partitions_assigned"), Change::kAssigned},
        std::pair{absl::string_view("worker.partitions_revoked"), Change::kRevoked}}) {
    const size_t at = line.find(event);
    if (at == absl::string_view::npos) continue;
    const size_t end = at + event.size();
    const char before = at > 0 ? line[at - 1] : ' ';
    const char after = end < line.size() ? line[end] : ' ';
    if ((before == ' ' && after == ' ') || (before == '"' && after == '"')) return change;
  }
  return std::nullopt;
}

// The value of the partitions field: `partitions=1,2` or `"partitions":"1,2"`.
std::optional<absl::string_view> PartitionsField(absl::string_view line) {
  for (const absl::string_view key :
       {absl::string_view(" partitions="), absl::string_view("\"partitions\":")}) {
    const size_t at = line.find(key);
    if (at == absl::string_view::npos) continue;
    absl::string_view value = line.substr(at + key.size());
    if (!value.empty() && value.front() == '"') {
      value.remove_prefix(1);
      return value.substr(0, value.find('"'));
    }
    return value.substr(0, value.find_first_of(" \t\r"));
  }
  return std::nullopt;
}

}  // namespace

std::set<int32_t> OwnedPartitionsFromLog(absl::string_view log) {
  std::set<int32_t> owned;
  for (const absl::string_view line : absl::StrSplit(log, '\n')) {
    const std::optional<Change> change = ChangeOf(line);
    if (!change.has_value()) continue;
    const std::optional<absl::string_view> field = PartitionsField(line);
    if (!field.has_value()) continue;
    for (const absl::string_view item : absl::StrSplit(*field, ',', absl::SkipEmpty())) {
      int32_t partition = 0;
      if (!absl::SimpleAtoi(item, &partition)) continue;
      if (*change == Change::kAssigned) {
        owned.insert(partition);
      } else {
        owned.erase(partition);
      }
    }
  }
  return owned;
}

}  // namespace ingest::bench_e2e
