#pragma once

// Writes the payload records of one PersistBatches call in bulk, inside the
// caller's transaction, each record's bytes exactly once:
//   1. SELECT ... FOR UPDATE reads (and locks) the stored versions of the
//      call's keys in session_payloads and stream_chunks: SHA-256 and origin
//      only, never the data;
//   2. PlanPayloads decides what each record does;
//   3. resent chunks' rows are deleted, then one binary COPY writes the
//      call's new stream chunks into stream_chunks, where readers never look;
//   4. whole payloads go by binary COPY straight into session_payloads, in
//      record order, and each stream whose last chunk arrives is completed
//      (stream_completion.h) at its place in that order, so persisted_seq
//      keeps the order in which payloads were acknowledged.
// The keys a COPY writes were locked absent in step 1, and one owner per
// partition writes a session's keys; a row that appears meanwhile anyway (a
// zombie owner) makes the COPY fail, and the retry sees the row. Session
// counters are the caller's next step.

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "services/common/pg/connection.h"
#include "services/worker/store/payload_plan.h"
#include "services/worker/store/stream_completion.h"

namespace ingest {

struct PayloadWrite {
  PayloadPlan plan;
  // Whole payloads newly stored, in record order.
  std::vector<size_t> inserted;
  // Each staged stream end (plan.stream_ends, same order) and its verdict.
  std::vector<StreamVerdict> stream_verdicts;
  int64_t rows_written = 0;  // rows of session_payloads and stream_chunks written
};

// Laps `phases` at "lock", "chunks" and "payloads".
absl::StatusOr<PayloadWrite> WritePayloads(PgConnection& db,
                                           absl::Span<const PayloadRecord> records,
                                           PhaseClock* phases);

}  // namespace ingest
