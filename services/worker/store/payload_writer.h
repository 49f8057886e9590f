#pragma once

// Writes the payload records of one PersistBatches call in bulk, inside the
// caller's transaction:
//   1. one SELECT ... FOR UPDATE reads (and locks) the stored versions of the
//      call's keys: SHA-256 and origin only, never the data;
//   2. PlanPayloads decides what each record does;
//   3. the winning rows, zstd-compressed, go by one binary COPY into a TEMP
//      staging table, then one INSERT ... SELECT ... ON CONFLICT DO NOTHING
//      adds the new keys and one UPDATE ... FROM replaces resent chunks;
//   4. a completed stream drops chunk rows beyond its chunk count (leftovers
//      of a longer, refused attempt).
// Session counters and stream verification are the caller's next steps.

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "services/common/pg/connection.h"
#include "services/worker/store/payload_plan.h"

namespace ingest {

// Creates this connection's staging table. Call once per connection, outside
// a transaction (a rollback would take the table with it).
absl::Status CreatePayloadStage(PgConnection& db);

struct PayloadWrite {
  PayloadPlan plan;
  // Records whose row was newly inserted (not replaced), in record order.
  std::vector<size_t> inserted;
  int64_t rows_written = 0;  // inserted + replaced
};

absl::StatusOr<PayloadWrite> WritePayloads(PgConnection& db,
                                           absl::Span<const PayloadRecord> records);

}  // namespace ingest
