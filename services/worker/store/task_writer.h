#pragma once

// Writes one non-payload task's rows inside the caller's transaction: one
// statement per row, each idempotent: the same record, or a copy of it a
// redrive or replay produced at another offset, changes nothing the second
// time. Rows without a key of their own are keyed by the record's first
// position (first_position.h), and identify / property updates apply only
// if their record's first position is past the last applied. These tasks are rare next to payloads, so they are not batched;
// payloads go through payload_writer.h. Any task of a session creates the
// session row if it does not exist yet.

#include <cstdint>

#include "absl/status/statusor.h"
#include "services/common/pg/connection.h"
#include "services/common/retention/expire_day.h"
#include "services/worker/store/task_store.h"

namespace ingest {

// The rows inserted or updated (0 for a replay). INTERNAL for a payload task
// or an unknown type. Feedback, backend error and metric rows carry
// `expire_day` (their session's, or their own for rows without one).
absl::StatusOr<int64_t> WriteTask(PgConnection& db, int32_t partition, const TaskRecord& record,
                                  ExpireDay expire_day);

}  // namespace ingest
