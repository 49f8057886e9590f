#pragma once

// BatchWriter for the partition loop's unit tests: writes each batch on the
// caller's thread as it is submitted (one transaction per batch), so a test
// sees every result on the loop's next step, deterministically.

#include <utility>
#include <vector>

#include "services/worker/batch_writer.h"
#include "services/worker/store/task_store.h"

namespace ingest {

class InlineBatchWriter : public BatchWriter {
 public:
  explicit InlineBatchWriter(TaskStore& store, DeadLetterSink sink = nullptr)
      : store_(store), sink_(std::move(sink)) {}

  void Submit(PartitionBatch batch) override {
    absl::StatusOr<PersistOutcome> outcome =
        store_.PersistBatches("ingest.tasks", absl::MakeConstSpan(&batch, 1), sink_);
    results_.push_back(ResultOf(std::move(batch), outcome));
  }

  std::vector<BatchResult> TakeResults(absl::Duration) override {
    return std::exchange(results_, {});
  }

 private:
  TaskStore& store_;
  DeadLetterSink sink_;
  std::vector<BatchResult> results_;
};

}  // namespace ingest
