#pragma once

// GatewayServer: the gateway process minus flags. Builds the producer,
// metrics, IngestService, gRPC health and reflection, and runs the server.
// Used by main() and by the end-to-end tests (port 0).

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/kafka/rdkafka_producer.h"
#include "services/gateway/request_validation.h"

namespace ingest {

struct GatewayOptions {
  std::string grpc_address = "127.0.0.1:0";
  std::string metrics_address = "127.0.0.1:0";
  std::string topic = "ingest.tasks";
  // Stamped on every task; defaults to the host name.
  std::string gateway_id;
  ProducerOptions producer;
  RequestLimits limits;
  // gRPC's max receive message size (the whole request, with framing).
  int max_receive_message_bytes = 16 << 20;
  // Start-up waits this long for Kafka to answer before giving up.
  absl::Duration startup_timeout = absl::Seconds(60);
  // SIGTERM: in-flight calls get this long to finish.
  absl::Duration shutdown_grace = absl::Seconds(20);
};

absl::Status ValidateGatewayOptions(const GatewayOptions& options);

class GatewayServer {
 public:
  // Waits for Kafka (up to startup_timeout), then listens and reports SERVING.
  static absl::StatusOr<std::unique_ptr<GatewayServer>> Start(const GatewayOptions& options);
  ~GatewayServer();

  // NOT_SERVING, stop accepting, let in-flight calls finish (up to the grace
  // period), flush the producer. Idempotent.
  void Shutdown();

  int port() const;
  int metrics_port() const;

 private:
  GatewayServer() = default;
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

}  // namespace ingest
