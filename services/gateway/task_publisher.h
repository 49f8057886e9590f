#pragma once

// TaskPublisher: the gateway's core, free of gRPC. Admits work against the
// project's rate limit and the replica's in-flight byte budget, then
// produces records keyed by session. Each record's `done` runs exactly once,
// on the producer's delivery thread (or inline if refused at once).
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

// A project's own limits (from the API keys file), asked at each admission.
using ProjectLimitsSource = std::function<ProjectLimits(const std::string& project)>;

class TaskPublisher {
 public:
  // Every collaborator must outlive the publisher. `limits_of` (null: none)
  // gives a project's own rate and in-flight limits.
  TaskPublisher(Producer& producer, std::string topic, GatewayMetrics& metrics,
                InFlightBudget& budget, ProjectRateLimiter& rate_limiter,
                ProjectLimitsSource limits_of = nullptr)
      : producer_(producer),
        topic_(std::move(topic)),
        metrics_(metrics),
        budget_(budget),
        rate_limiter_(rate_limiter),
        limits_of_(std::move(limits_of)) {}

  // Charges `bytes` to `project`'s rate limit (its own if it has one).
  // RESOURCE_EXHAUSTED when over.
  std::optional<Refusal> ChargeRate(const std::string& project, int64_t bytes);

  // Reserves `bytes` of the replica's in-flight budget and, if the project
  // has an in-flight limit, of the project's; held until the lease is gone.
  std::optional<Refusal> Reserve(const std::string& project, int64_t bytes, BudgetLease* lease);

  // ChargeRate then Reserve.
  std::optional<Refusal> Admit(const std::string& project, int64_t bytes, BudgetLease* lease);

  // Produces one encoded task under `key`.
  void Produce(std::string key, std::string value, DeliveryCallback done);

 private:
  Producer& producer_;
  const std::string topic_;
  GatewayMetrics& metrics_;
  ProjectLimits LimitsOf(const std::string& project) const {
    return limits_of_ ? limits_of_(project) : ProjectLimits{};
  }
  // The project's own budget, made on first use, its maximum kept current;
  // null if the project has no in-flight limit.
  InFlightBudget* ProjectBudget(const std::string& project, const ProjectLimits& limits);

  InFlightBudget& budget_;
  ProjectRateLimiter& rate_limiter_;
  const ProjectLimitsSource limits_of_;
  absl::Mutex mu_;
  // Projects with their own in-flight limit; bounded by the keys file's
  // projects (a budget is never freed: leases point to it).
  absl::flat_hash_map<std::string, std::unique_ptr<InFlightBudget>> project_budgets_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace ingest
