#pragma once

// Completes a streamed payload when its last chunk is written, inside the
// caller's transaction.
//
// A stream's chunks wait in stream_chunks, which no reader of payloads
// looks at. The gateway produces a stream's last chunk only after the whole
// content arrived and matched its declared size and digest, and the chunks
// of one attempt arrive in order on one partition; so the worker checks that
// the stream is complete — chunks 0..count-1 all present, their sizes adding
// up to total_bytes — not its digest, and never reads the data.
//   complete   -> its chunks move to session_payloads (rows beyond its count,
//                 left by a longer refused attempt, are dropped) and a
//                 payload_streams row records it: only now does it count.
//   incomplete -> the last chunk's row is removed and the record goes to the
//                 DLQ (stream_incomplete), so it is in exactly one of the two
//                 places and a redrive is judged afresh; the other chunks
//                 stay unseen until --stream_chunk_ttl removes them.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "services/common/pg/connection.h"
#include "services/common/retention/expire_day.h"
#include "services/worker/store/task_store.h"

namespace ingest {

struct StreamVerdict {
  bool complete = false;
  // Completed for the first time: the payload now counts for its session.
  bool newly_complete = false;
  std::string detail;  // why not complete, for the dead letter
};

absl::StatusOr<StreamVerdict> CompleteStream(PgConnection& db, int32_t partition,
                                             const TaskRecord& last_chunk, ExpireDay expire_day);

}  // namespace ingest
