#pragma once

// TaskPublisher: the gateway's core, free of gRPC. Admits work against the
// project's rate limit and the replica's in-flight byte budget, then
// produces records keyed by session. Each record's `done` runs exactly once,
// on the producer's delivery thread (or inline if refused at once).
//
// Thread-safe.

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ingest/v1/task.pb.h"
#include "services/common/kafka/producer.h"
#include "services/gateway/gateway_metrics.h"
#include "services/gateway/limits/inflight_budget.h"
#include "services/gateway/limits/rate_limiter.h"

namespace ingest {

// Why a call was not admitted, and when to try again. The caller records
// the rejection (Rejections), which knows the call's peer.
struct Refusal {
  absl::Status status;
  absl::Duration retry_after;
  // "rate_limit" or "inflight_bytes" (ingest_gateway_rejected_total's reason).
  const char* reason;
};

class TaskPublisher {
 public:
  // Every collaborator must outlive the publisher.
  TaskPublisher(Producer& producer, std::string topic, GatewayMetrics& metrics,
                InFlightBudget& budget, ProjectRateLimiter& rate_limiter)
      : producer_(producer),
        topic_(std::move(topic)),
        metrics_(metrics),
        budget_(budget),
        rate_limiter_(rate_limiter) {}

  // Charges `bytes` to `project`'s rate limit. RESOURCE_EXHAUSTED when over.
  std::optional<Refusal> ChargeRate(const std::string& project, int64_t bytes);

  // Reserves `bytes` of the in-flight budget, held until the lease is gone.
  std::optional<Refusal> Reserve(int64_t bytes, BudgetLease* lease);

  // ChargeRate then Reserve.
  std::optional<Refusal> Admit(const std::string& project, int64_t bytes, BudgetLease* lease);

  // Produces one encoded task under `key`.
  void Produce(std::string key, std::string value, DeliveryCallback done);

 private:
  Producer& producer_;
  const std::string topic_;
  GatewayMetrics& metrics_;
  InFlightBudget& budget_;
  ProjectRateLimiter& rate_limiter_;
};

}  // namespace ingest
