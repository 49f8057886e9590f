#pragma once

// Verifies a streamed payload once its last chunk is written, inside the
// caller's transaction, and records the verdict.
//
// The chunks are read back one at a time (never the whole payload in
// memory), decompressed and hashed incrementally; the digest and total size
// must equal what the last chunk declares (payload.sha256, total_bytes).
//   match    -> a payload_streams row (the stream is assembled and verified)
//   mismatch -> the last chunk's row and any payload_streams row are removed:
//               the record goes to the DLQ instead, so it is stored in
//               exactly one of the two places, and a redrive of it is
//               verified afresh.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "services/common/pg/connection.h"
#include "services/worker/store/task_store.h"

namespace ingest {

struct StreamVerdict {
  bool verified = false;
  // Verified for the first time: the payload now counts for its session.
  bool newly_verified = false;
  std::string detail;  // why not verified, for the dead letter
};

absl::StatusOr<StreamVerdict> VerifyStream(PgConnection& db, int32_t partition,
                                           const TaskRecord& last_chunk);

}  // namespace ingest
