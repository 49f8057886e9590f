#pragma once

// GatewayServer: the gateway process minus flags. Builds the producer,
// metrics, auth, limits, IngestService, gRPC health and reflection, and runs
// the server. Used by main() and by the end-to-end tests (port 0).

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/kafka/producer.h"
#include "services/common/kafka/rdkafka_producer.h"
#include "services/common/server/grpc_server.h"
#include "services/gateway/auth/api_key_store.h"
#include "services/gateway/ingest_service.h"
#include "services/gateway/limits/peer_rate_limiter.h"
#include "services/gateway/limits/rate_limiter.h"

namespace ingest {

struct GatewayOptions {
  std::string grpc_address = "127.0.0.1:0";
  std::string metrics_address = "127.0.0.1:0";
  // HTTP probes (services/common/health): GET /livez, and GET /readyz saying
  // what the gRPC health service says (503 while NOT_SERVING: Kafka
  // unreachable, draining). HTTPS with `tls`'s certificate and key: the
  // kubelet's gRPC probes cannot speak TLS. Empty: none.
  std::string health_address;
  std::string topic = "ingest.tasks";
  ProducerOptions producer;
  // librdkafka clients, sessions spread over them by key (see
  // sharded_producer.h): each delivers on its own thread.
  int kafka_producers = 2;
  IngestServiceOptions service;
  std::string api_keys_file;
  std::string session_secret_file;
  // How often --api_keys_file is checked for a change (a rotated Secret):
  // a revoked key is refused, a new one works, within this long and without
  // a restart. Zero: read at start only.
  absl::Duration secrets_reload_interval = absl::Seconds(10);
  // Bytes handed to Kafka and not yet acknowledged, per replica.
  int64_t max_inflight_bytes = int64_t{256} << 20;
  // Memory gRPC may use for transports and buffered messages (one message
  // is buffered whole before its size can be checked): past it gRPC resets
  // the connection using most, so one huge request cannot take the pod.
  int64_t grpc_memory_quota_bytes = int64_t{1} << 30;
  // TLS on the gRPC port (--tls_*); plaintext when unset.
  std::optional<TlsFiles> tls;
  RateLimit project_rate;
  // Retention in days stamped on the tasks of a project whose API keys file
  // lines give no retention_days (kMinRetentionDays..kMaxRetentionDays).
  int default_retention_days = kDefaultRetentionDays;
  // Calls each client address may start (before authentication).
  PeerRateLimit peer_rate;
  // What one connection may hold (grpc_server.h).
  ConnectionLimits connection{.max_concurrent_streams = 1000,
                              .max_metadata_bytes = 16 << 10,
                              .max_connection_idle = absl::Minutes(5),
                              .keepalive_time = absl::Minutes(1),
                              .keepalive_timeout = absl::Seconds(20),
                              .min_client_ping_interval = absl::Seconds(10)};
  // How often the health check asks Kafka for metadata.
  absl::Duration health_interval = absl::Seconds(2);
  // SIGTERM: health turns NOT_SERVING at once, but calls keep being served
  // this long, so load balancers stop routing here before gRPC starts
  // refusing (calls it has accepted but not dispatched would be cancelled).
  absl::Duration shutdown_delay = absl::ZeroDuration();
  // Then in-flight calls get this long to finish.
  absl::Duration shutdown_grace = absl::Seconds(20);
};

absl::Status ValidateGatewayOptions(const GatewayOptions& options);

class GatewayServer {
 public:
  // Listens at once; health is NOT_SERVING until Kafka has answered.
  // `producer` replaces the librdkafka producer (tests); null = librdkafka.
  static absl::StatusOr<std::unique_ptr<GatewayServer>> Start(
      const GatewayOptions& options, std::unique_ptr<Producer> producer = nullptr);
  ~GatewayServer();

  // NOT_SERVING, keep serving for the shutdown delay, stop accepting, let
  // in-flight calls finish (up to the grace period), flush the producer.
  // Idempotent.
  void Shutdown();

  int port() const;
  int metrics_port() const;
  int health_port() const;  // 0 without --health_address
  // Calls received and not yet answered.
  int64_t in_flight_requests() const;

 private:
  GatewayServer() = default;
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

}  // namespace ingest
