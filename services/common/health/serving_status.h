#pragma once

// ServingStatus: a gRPC service's one "serving" bit, told both to its gRPC
// health service (grpc.health.v1: what gRPC clients and load balancers ask)
// and to the /readyz of its HealthServer (what the kubelet asks: its gRPC
// probes cannot speak TLS, so with TLS on, Kubernetes probes HTTP(S)). Set it
// here, never on the server's health service directly, so the two cannot
// disagree.
//
// Thread-safety: every method may be called from any thread.

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "services/common/health/health_server.h"

namespace grpc {
class Server;
}

namespace ingest {

class ServingStatus {
 public:
  // NOT_SERVING ("starting") until Set.
  ServingStatus() = default;
  ServingStatus(const ServingStatus&) = delete;
  ServingStatus& operator=(const ServingStatus&) = delete;

  // From now on Set also sets `server`'s health service, which is told the
  // status in force at once. `server` must outlive every later Set.
  void Attach(grpc::Server& server);

  // SERVING, or NOT_SERVING because of `reason` ("draining", "Kafka
  // unreachable"), shown as the 503 body of /readyz.
  void Set(bool serving, std::string reason = "");

  // /readyz: healthy while SERVING; else "NOT_SERVING: <reason>".
  HealthReport Readiness() const;

  // For HealthServer::Start: /livez healthy while the process answers,
  // /readyz the status. This object must outlive the HealthServer.
  HealthChecks Checks() const;

 private:
  mutable absl::Mutex mu_;
  bool serving_ ABSL_GUARDED_BY(mu_) = false;
  std::string reason_ ABSL_GUARDED_BY(mu_) = "starting";
  grpc::Server* server_ ABSL_GUARDED_BY(mu_) = nullptr;
};

}  // namespace ingest
