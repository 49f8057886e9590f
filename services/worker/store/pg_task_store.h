#pragma once

// TaskStore on PostgreSQL through libpq. One connection, reconnected on
// demand after it breaks. Not thread-safe: owned by the worker's loop thread.
//
// PersistBatches first makes the day partitions its rows need that this
// process has not seen made (batch_day_partitions.h), then runs one transaction: BEGIN with the lock and statement
// timeouts, the rows (transaction_body.h), the dead-letter sink, COMMIT. Payload
// bytes are stored zstd-compressed (stored_payload.h).

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/worker/store/session_summaries.h"
#include "services/worker/store/task_store.h"

namespace ingest {

struct PgTaskStoreOptions {
  std::string dsn;
  absl::Duration connect_timeout = absl::Seconds(5);
  // A locked table makes a batch fail after this long (then retried with
  // backoff) instead of hanging the worker.
  absl::Duration lock_timeout = absl::Seconds(5);
  absl::Duration statement_timeout = absl::Seconds(30);
  // When sessions complete, and the rage-click rule of their summaries.
  SessionLifecycleOptions lifecycle;
  // The retention of records from gateways older than issue 21 (they carry
  // none): their sessions' rows are kept this many days.
  int default_retention_days = 30;
};

// Connects lazily: creation succeeds even while the database is down.
std::unique_ptr<TaskStore> CreatePgTaskStore(const PgTaskStoreOptions& options);

}  // namespace ingest
