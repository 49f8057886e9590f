#pragma once

// Session counters for the payloads a PersistBatches call newly stored
// (written by session_summaries.h's upsert, with the summary).
//
// payload_count grows by one per payload counted (a whole payload when its
// row is inserted, a streamed one when verified); replays count nothing.
// payload_id_gaps is the number of ids still missing: last_payload_id minus
// payload_count (ids run from 1, and each is counted once), so a late payload
// fills its gap. A row written before this rule is corrected by its session's
// next payload. The gaps returned (for ingest_worker_payload_id_gaps_total)
// are skips seen: ids passed over by a payload above last_payload_id.
// Every payload session of the call gets its row (upsert) even when nothing
// counts, has_unloaded sticks once any payload says so, and
// conflicting_duplicates adds up the session's dead-lettered retries that
// carried other bytes.

#include <cstdint>
#include <vector>

namespace ingest {

// The change to one session's counters.
struct SessionCounterDelta {
  int64_t payload_count = 0;
  uint64_t last_payload_id = 0;  // the new last id, or 0 if unchanged
  int64_t payload_id_gaps = 0;
};

// Counts `ids` (in record order) on top of a stored last_payload_id.
SessionCounterDelta CountPayloadIds(uint64_t stored_last_payload_id,
                                    const std::vector<uint64_t>& ids);

}  // namespace ingest
