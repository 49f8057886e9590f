#pragma once

// Writes one task's rows inside the caller's transaction: one statement per
// task type, each idempotent (replaying the same record changes nothing).
// Any task of a session creates the session row if it does not exist yet.

#include <cstdint>

#include "absl/status/status.h"
#include "services/common/pg/connection.h"
#include "services/worker/store/task_store.h"

namespace ingest {

absl::Status WriteTask(PgConnection& db, int32_t partition, const TaskRecord& record);

}  // namespace ingest
