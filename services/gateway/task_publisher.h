#pragma once

// TaskPublisher: the gateway's core, free of gRPC. Admits work against the
// project's rate limit and the replica's in-flight byte budget, then
// produces records keyed by session, each stamped with the project's
// retention as it stood at admission (its API keys file line, else the
// gateway's default). Each record's `done` runs exactly once, on the
// producer's delivery thread (or inline if refused at once).
//
// Thread-safe.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "ingest/v1/task.pb.h"
#include "services/common/kafka/producer.h"
#include "services/gateway/auth/api_key_store.h"
#include "services/gateway/gateway_metrics.h"
#include "services/gateway/limits/inflight_budget.h"
#include "services/gateway/limits/rate_limiter.h"

namespace ingest {

// Why a call was not admitted, and when to try again. The caller records
// the rejection (Rejections), which knows the call's peer.
struct Refusal {
  absl::Status status;
  absl::Duration retry_after;
  // "rate_limit", "inflight_bytes" or "project_inflight_bytes"
  // (ingest_gateway_rejected_total's reason).
  const char* reason;
};

// A project's own limits (from the API keys file), asked once per admission.
using ProjectLimitsSource = std::function<ProjectLimits(const std::string& project)>;

// What an admission holds: the bytes it reserved (given back when the lease
// is gone; keep it until the records' delivery reports) and the project's
// retention when it was admitted, which Produce() stamps on its records.
struct Admission {
  BudgetLease lease;
  uint32_t retention_days = 0;
};

class TaskPublisher {
 public:
  // Every collaborator must outlive the publisher. `limits_of` (null: none)
  // gives a project's own rate, in-flight limit and retention;
  // `default_retention_days` is the retention of a project without its own.
  TaskPublisher(Producer& producer, std::string topic, GatewayMetrics& metrics,
                InFlightBudget& budget, ProjectRateLimiter& rate_limiter,
                ProjectLimitsSource limits_of = nullptr,
                int default_retention_days = kDefaultRetentionDays)
      : producer_(producer),
        topic_(std::move(topic)),
        metrics_(metrics),
        budget_(budget),
        rate_limiter_(rate_limiter),
        limits_of_(std::move(limits_of)),
        default_retention_days_(default_retention_days) {}

  // Charges `bytes` to `project`'s rate limit (its own if it has one).
  // RESOURCE_EXHAUSTED when over.
  std::optional<Refusal> ChargeRate(const std::string& project, int64_t bytes);

  // Reserves `bytes` of the replica's in-flight budget and, if the project
  // has an in-flight limit, of the project's, into `admission` (with the
  // project's retention).
  std::optional<Refusal> Reserve(const std::string& project, int64_t bytes, Admission* admission);

  // ChargeRate then Reserve, under one look-up of the project's limits.
  std::optional<Refusal> Admit(const std::string& project, int64_t bytes, Admission* admission);

  // Stamps `task` with `admission`'s retention and produces it under its
  // Kafka key. The only place a task is encoded for Kafka.
  void Produce(const Admission& admission, v1::Task task, DeliveryCallback done);

 private:
  ProjectLimits LimitsOf(const std::string& project) const {
    return limits_of_ ? limits_of_(project) : ProjectLimits{};
  }
  // ChargeRate and Reserve under limits already looked up.
  std::optional<Refusal> ChargeRateUnder(const ProjectLimits& limits, const std::string& project,
                                         int64_t bytes);
  std::optional<Refusal> ReserveUnder(const ProjectLimits& limits, const std::string& project,
                                      int64_t bytes, Admission* admission);
  // The project's own budget, made on first use, its maximum kept current;
  // null if the project has no in-flight limit.
  InFlightBudget* ProjectBudget(const std::string& project, const ProjectLimits& limits);

  Producer& producer_;
  const std::string topic_;
  GatewayMetrics& metrics_;
  InFlightBudget& budget_;
  ProjectRateLimiter& rate_limiter_;
  const ProjectLimitsSource limits_of_;
  const int default_retention_days_;
  absl::Mutex mu_;
  // Projects with their own in-flight limit; bounded by the keys file's
  // projects (a budget is never freed: leases point to it).
  absl::flat_hash_map<std::string, std::unique_ptr<InFlightBudget>> project_budgets_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace ingest
