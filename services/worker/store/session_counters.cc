#include "services/worker/store/session_counters.h"

namespace ingest {

SessionCounterDelta CountPayloadIds(uint64_t stored_last_payload_id,
                                    const std::vector<uint64_t>& ids) {
  SessionCounterDelta delta;
  uint64_t last = stored_last_payload_id;
  for (uint64_t id : ids) {
    ++delta.payload_count;
    if (id <= last) continue;
    delta.payload_id_gaps += static_cast<int64_t>(id - last - 1);
    last = delta.last_payload_id = id;
  }
  return delta;
}

}  // namespace ingest
