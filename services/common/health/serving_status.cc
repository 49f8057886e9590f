#include "services/common/health/serving_status.h"

#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/server.h>

#include <utility>

#include "absl/strings/str_cat.h"

namespace ingest {

void ServingStatus::Attach(grpc::Server& server) {
  absl::MutexLock lock(&mu_);
  server_ = &server;
  server_->GetHealthCheckService()->SetServingStatus(serving_);
}

void ServingStatus::Set(bool serving, std::string reason) {
  absl::MutexLock lock(&mu_);
  serving_ = serving;
  reason_ = serving ? "" : std::move(reason);
  // Under the lock: the two never say different things for long, and two
  // Sets reach gRPC in the order they were made.
  if (server_ != nullptr) server_->GetHealthCheckService()->SetServingStatus(serving);
}

HealthReport ServingStatus::Readiness() const {
  absl::MutexLock lock(&mu_);
  if (serving_) return HealthReport::Healthy();
  return HealthReport::Unhealthy(reason_.empty() ? "NOT_SERVING"
                                                 : absl::StrCat("NOT_SERVING: ", reason_));
}

HealthChecks ServingStatus::Checks() const {
  return {.liveness = [] { return HealthReport::Healthy(); },
          .readiness = [this] { return Readiness(); }};
}

}  // namespace ingest
