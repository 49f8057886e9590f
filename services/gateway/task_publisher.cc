#include "services/gateway/task_publisher.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/codec/task_codec.h"

namespace ingest {

std::optional<Refusal> TaskPublisher::ChargeRate(const std::string& project, int64_t bytes) {
  return ChargeRateUnder(LimitsOf(project), project, bytes);
}

std::optional<Refusal> TaskPublisher::ChargeRateUnder(const ProjectLimits& limits,
                                                      const std::string& project, int64_t bytes) {
  RateLimit rate = rate_limiter_.default_limit();
  if (limits.rate_bytes_per_second) rate.bytes_per_second = *limits.rate_bytes_per_second;
  if (limits.burst_bytes) rate.burst_bytes = *limits.burst_bytes;
  const absl::Duration wait = rate_limiter_.TryTake(project, bytes, rate);
  if (wait <= absl::ZeroDuration()) return std::nullopt;
  return Refusal{absl::ResourceExhaustedError(absl::StrCat(
                     "project ", project, " is over its ingest rate: retry after ",
                     absl::FormatDuration(wait), " (see retry-after-ms)")),
                 wait, "rate_limit"};
}

InFlightBudget* TaskPublisher::ProjectBudget(const std::string& project,
                                             const ProjectLimits& limits) {
  if (!limits.inflight_bytes) return nullptr;
  absl::MutexLock lock(&mu_);
  std::unique_ptr<InFlightBudget>& budget = project_budgets_[project];
  if (budget == nullptr) budget = std::make_unique<InFlightBudget>(*limits.inflight_bytes);
  budget->set_max_bytes(*limits.inflight_bytes);
  return budget.get();
}

std::optional<Refusal> TaskPublisher::Reserve(const std::string& project, int64_t bytes,
                                              Admission* admission) {
  return ReserveUnder(LimitsOf(project), project, bytes, admission);
}

std::optional<Refusal> TaskPublisher::ReserveUnder(const ProjectLimits& limits,
                                                   const std::string& project, int64_t bytes,
                                                   Admission* admission) {
  InFlightBudget* own = ProjectBudget(project, limits);
  if (own != nullptr && !own->TryAcquire(bytes)) {
    return Refusal{absl::ResourceExhaustedError(absl::StrCat(
                       "project ", project,
                       " has too many bytes waiting for Kafka on this gateway: retry shortly")),
                   absl::Milliseconds(200), "project_inflight_bytes"};
  }
  if (!budget_.TryAcquire(bytes)) {
    if (own != nullptr) own->Release(bytes);
    return Refusal{absl::ResourceExhaustedError(
                       "this gateway has too many bytes waiting for Kafka: retry shortly or "
                       "on another replica"),
                   absl::Milliseconds(200), "inflight_bytes"};
  }
  admission->lease = BudgetLease(&budget_, bytes, own);
  admission->retention_days =
      static_cast<uint32_t>(limits.retention_days.value_or(default_retention_days_));
  metrics_.SetInFlightBytes(budget_.in_use());
  return std::nullopt;
}

std::optional<Refusal> TaskPublisher::Admit(const std::string& project, int64_t bytes,
                                            Admission* admission) {
  const ProjectLimits limits = LimitsOf(project);
  if (auto refusal = ChargeRateUnder(limits, project, bytes)) return refusal;
  return ReserveUnder(limits, project, bytes, admission);
}

void TaskPublisher::Produce(const Admission& admission, v1::Task task, DeliveryCallback done) {
  task.set_retention_days(admission.retention_days);
  std::string key = KafkaKeyOf(task);
  std::string value = EncodeTask(task);
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
