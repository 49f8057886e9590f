#pragma once

// The body of one PersistBatches transaction, run inside the caller's open
// transaction (the caller owns BEGIN, the dead-letter sink, COMMIT and
// ROLLBACK). In order:
//   0. the session gate (session_gate.h): the sessions' erasure locks,
//      their rows' expire_day, new sessions' rows; records of erased
//      sessions, and of new sessions already past their retention, are
//      dropped and counted;
//   1. non-payload tasks, one statement each, in (batch, offset) order;
//      records that followed the quarantine of a session erased since are
//      dropped and counted (PersistOutcome::quarantines_erased);
//   2. payload rows in bulk (payload_writer.h);
//   3. completed streams verified (stream_completion.h);
//   4. the payload sessions' rows, in one upsert: counters, the newly
//      counted payloads' facts folded into summaries, lifecycle
//      (session_summaries.h);
//   5. quarantine rows: lifted by a redrive's stored last record, inserted
//      for dead letters that quarantine their session, followed_through
//      moved for records that followed a quarantine;
//   6. the idle sessions of every partition completed at its batch's
//      watermark, in one statement;
//   7. each partition's next offset.
// Payloads come after the other tasks: they touch other session columns, so
// the order between them does not matter, and bulk writing needs them
// together. Records with a dead_letter write no rows.

#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "services/common/pg/connection.h"
#include "services/worker/store/session_summaries.h"
#include "services/worker/store/task_store.h"

namespace ingest {

// What was written; dead_letters holds the loop's and the store's letters in
// (partition, offset) order, still to be handed to the sink.
// `outcome` starts the result (its phase clock running since BEGIN).
absl::StatusOr<PersistOutcome> WriteTransactionBody(PgConnection& db, const std::string& topic,
                                                    absl::Span<const PartitionBatch> batches,
                                                    const SessionLifecycleOptions& lifecycle,
                                                    int default_retention_days,
                                                    PersistOutcome outcome);

}  // namespace ingest
