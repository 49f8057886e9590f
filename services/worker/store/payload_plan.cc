#include "services/worker/store/payload_plan.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/worker/store/stored_payload.h"

namespace ingest {
namespace {

std::string ConflictDetail(const v1::Task& task, const ChunkVersion& kept, bool kept_in_call) {
  return absl::StrCat("payload ", task.payload_id(), " of session ", task.session_id(),
                      " has other bytes than the copy ",
                      kept_in_call ? "earlier in the same batch" : "already stored",
                      " (partition ", kept.partition, ", offset ", kept.offset, "); the ",
                      kept_in_call ? "earlier" : "stored",
                      " copy was kept and this record was not written");
}

// The latest staged last chunk of each streamed payload, in record order.
std::vector<size_t> LatestStreamEnds(absl::Span<const PayloadRecord> records,
                                     const std::vector<StagedPayload>& staged) {
  std::map<std::pair<std::string, uint64_t>, size_t> latest;
  for (const StagedPayload& entry : staged) {
    const v1::Task& task = records[entry.record].record->task;
    if (!IsLastStreamChunk(task)) continue;
    size_t& at = latest[{task.session_id(), task.payload_id()}];
    at = std::max(at, entry.record);
  }
  std::vector<size_t> ends;
  for (const auto& [payload, record] : latest) ends.push_back(record);
  std::sort(ends.begin(), ends.end());
  return ends;
}

}  // namespace

bool PayloadKey::operator<(const PayloadKey& other) const {
  return std::tie(session_id, payload_id, chunk_index) <
         std::tie(other.session_id, other.payload_id, other.chunk_index);
}

PayloadKey PayloadKeyOf(const v1::Task& task) {
  return {task.session_id(), task.payload_id(), task.chunk_index()};
}

PayloadPlan PlanPayloads(absl::Span<const PayloadRecord> records, const StoredVersions& stored) {
  PayloadPlan plan;
  std::map<PayloadKey, size_t> staged_at;  // key -> index into plan.staged
  for (size_t i = 0; i < records.size(); ++i) {
    const PayloadRecord& incoming = records[i];
    const v1::Task& task = incoming.record->task;
    PayloadKey key = PayloadKeyOf(task);
    auto in_call = staged_at.find(key);
    auto in_db = stored.find(key);
    ChunkVersion current;
    if (in_call != staged_at.end()) {
      const PayloadRecord& earlier = records[plan.staged[in_call->second].record];
      current = {earlier.stored.sha256(), earlier.partition, earlier.record->offset,
                 /*pending=*/IsStreamedChunk(earlier.record->task)};
    } else if (in_db != stored.end()) {
      current = in_db->second;
    } else {
      staged_at.emplace(std::move(key), plan.staged.size());
      plan.staged.push_back({i, /*replaces_stored=*/false});
      continue;
    }
    const bool later = current.partition == incoming.partition &&
                       current.offset < incoming.record->offset;
    if (current.sha256 == incoming.stored.sha256()) {
      ++plan.duplicates_ignored;
    } else if (IsStreamedChunk(task) && !later) {
      ++plan.duplicates_ignored;  // a replay of an attempt a later one superseded
    } else if (!IsStreamedChunk(task) || !current.pending) {
      plan.conflicts.push_back({i, ConflictDetail(task, current, in_call != staged_at.end())});
    } else {
      if (in_call != staged_at.end()) {
        plan.staged[in_call->second].record = i;
      } else {
        staged_at.emplace(std::move(key), plan.staged.size());
        plan.staged.push_back({i, /*replaces_stored=*/true});
      }
    }
  }
  plan.stream_ends = LatestStreamEnds(records, plan.staged);
  return plan;
}

}  // namespace ingest
