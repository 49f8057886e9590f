#include "services/worker/store/task_store.h"

namespace ingest {

absl::string_view DeadLetterReasonName(DeadLetterReason reason) {
  switch (reason) {
    case DeadLetterReason::kInvalidRecord: return "invalid_record";
    case DeadLetterReason::kQuarantinedSession: return "quarantined_session";
    case DeadLetterReason::kConflictingDuplicate: return "conflicting_duplicate";
    case DeadLetterReason::kStreamIncomplete: return "stream_incomplete";
  }
  return "unknown";
}

}  // namespace ingest
