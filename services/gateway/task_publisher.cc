#include "services/gateway/task_publisher.h"

#include <utility>

#include "absl/time/clock.h"
#include "services/common/codec/task_codec.h"

namespace ingest {

void TaskPublisher::Publish(const v1::Task& task, DeliveryCallback done) {
  const absl::Time start = absl::Now();
  // `done` moves into the delivery callback; if the record is refused at once
  // the producer does not run that callback, so keep a way to answer here.
  auto shared_done = std::make_shared<DeliveryCallback>(std::move(done));
  absl::Status enqueued = producer_.Produce(
      topic_, task.session_id(), EncodeTask(task),
      [this, start, shared_done](absl::StatusOr<RecordPosition> result) {
        metrics_.Produced(result.ok(), absl::Now() - start);
        std::move (*shared_done)(std::move(result));
      });
  if (!enqueued.ok()) {
    metrics_.Produced(false, absl::Now() - start);
    std::move (*shared_done)(std::move(enqueued));
  }
}

}  // namespace ingest
