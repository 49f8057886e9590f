#pragma once

// BatchWriter: where the partition loop hands batches to be persisted, and
// where it collects the outcome. Batches of different partitions may be
// written concurrently and even in one transaction; the loop keeps at most
// one batch per partition with the writer, which is what keeps each
// partition in offset order.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/worker/store/task_store.h"

namespace ingest {

struct BatchResult {
  PartitionBatch batch;  // returned as submitted, so a failed batch can be retried as-is
  // Of the transaction the batch was part of. A data error (IsDataError) is
  // always the batch's own: it was written alone when PostgreSQL refused it.
  absl::Status status;
  // On success: offsets (ascending) of the batch's records that went to the
  // DLQ instead of the database, the store's verdicts included.
  std::vector<int64_t> dead_lettered;
  // On success: quarantined sessions the transaction found erased (their
  // records were dropped, not dead-lettered); the loop lifts their
  // quarantine. May name sessions of other partitions of the transaction.
  std::vector<std::string> quarantines_erased;
};

// The offsets of `partition`'s records among `letters` (in (partition,
// offset) order, as PersistOutcome holds them).
inline std::vector<int64_t> DeadLetteredOffsets(absl::Span<const DeadLetter> letters,
                                                int32_t partition) {
  std::vector<int64_t> offsets;
  for (const DeadLetter& letter : letters) {
    if (letter.partition == partition) offsets.push_back(letter.offset);
  }
  return offsets;
}

// The result of `batch`, written in a transaction that ended in `outcome`.
inline BatchResult ResultOf(PartitionBatch batch, const absl::StatusOr<PersistOutcome>& outcome) {
  BatchResult result{std::move(batch), outcome.status(), {}, {}};
  if (outcome.ok()) {
    result.dead_lettered = DeadLetteredOffsets(outcome->dead_letters, result.batch.partition);
    result.quarantines_erased = outcome->quarantines_erased;
  }
  return result;
}

// PostgreSQL refused the data itself (SQLSTATE class 22, or a unique
// violation the store did not foresee): retrying the same records cannot
// help, so the record must be found and dead-lettered.
inline bool IsDataError(const absl::Status& status) {
  return status.code() == absl::StatusCode::kInvalidArgument ||
         status.code() == absl::StatusCode::kAlreadyExists;
}

class BatchWriter {
 public:
  virtual ~BatchWriter() = default;

  // Queues `batch` for writing. Never blocks: the loop bounds what it submits.
  virtual void Submit(PartitionBatch batch) = 0;

  // Results of finished batches, in completion order. Waits up to `wait` for
  // the first one when none is ready.
  virtual std::vector<BatchResult> TakeResults(absl::Duration wait) = 0;
};

}  // namespace ingest
