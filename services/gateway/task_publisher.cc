#include "services/gateway/task_publisher.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace ingest {

std::optional<Refusal> TaskPublisher::ChargeRate(const std::string& project, int64_t bytes) {
  const absl::Duration wait = rate_limiter_.TryTake(project, bytes);
  if (wait <= absl::ZeroDuration()) return std::nullopt;
  return Refusal{absl::ResourceExhaustedError(absl::StrCat(
                     "project ", project, " is over its ingest rate: retry after ",
                     absl::FormatDuration(wait), " (see retry-after-ms)")),
                 wait, "rate_limit"};
}

std::optional<Refusal> TaskPublisher::Reserve(int64_t bytes, BudgetLease* lease) {
  if (!budget_.TryAcquire(bytes)) {
    return Refusal{absl::ResourceExhaustedError(
                       "this gateway has too many bytes waiting for Kafka: retry shortly or "
                       "on another replica"),
                   absl::Milliseconds(200), "inflight_bytes"};
  }
  *lease = BudgetLease(&budget_, bytes);
  metrics_.SetInFlightBytes(budget_.in_use());
  return std::nullopt;
}

std::optional<Refusal> TaskPublisher::Admit(const std::string& project, int64_t bytes,
                                            BudgetLease* lease) {
  if (auto refusal = ChargeRate(project, bytes)) return refusal;
  return Reserve(bytes, lease);
}

void TaskPublisher::Produce(std::string key, std::string value, DeliveryCallback done) {
  const absl::Time start = absl::Now();
  // `done` moves into the delivery callback; if the record is refused at once
  // the producer drops that callback, so keep a way to answer here.
  auto shared_done = std::make_shared<DeliveryCallback>(std::move(done));
  absl::Status enqueued = producer_.Produce(
      topic_, std::move(key), std::move(value),
      [this, start, shared_done](absl::StatusOr<RecordPosition> result) {
        metrics_.Produced(result.ok(), absl::Now() - start);
        std::move (*shared_done)(std::move(result));
        metrics_.SetInFlightBytes(budget_.in_use());
      });
  if (!enqueued.ok()) {
    metrics_.Produced(false, absl::Now() - start);
    std::move (*shared_done)(std::move(enqueued));
  }
}

}  // namespace ingest
