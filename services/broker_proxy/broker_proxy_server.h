#pragma once

// BrokerProxyServer: the broker-proxy process minus flags. Builds the Kafka
// admin client, the database reader, metrics, auth, BrokerProxyService, gRPC
// health and reflection, and runs the server. Used by main() and tests
// (port 0).

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/broker_proxy/broker_proxy_core.h"
#include "services/broker_proxy/database_offsets.h"
#include "services/broker_proxy/dead_letter_source.h"
#include "services/broker_proxy/quarantine_store.h"
#include "services/broker_proxy/retention_admin.h"
#include "services/broker_proxy/retention_database.h"
#include "services/broker_proxy/session_database.h"
#include "services/common/kafka/kafka_admin.h"
#include "services/common/kafka/producer.h"
#include "services/common/server/grpc_server.h"

namespace ingest {

struct BrokerProxyOptions {
  std::string grpc_address = "127.0.0.1:0";
  std::string metrics_address = "127.0.0.1:0";
  // HTTP probes (services/common/health): GET /livez, and GET /readyz saying
  // what the gRPC health service says (503 while NOT_SERVING: draining).
  // HTTPS with `tls`'s certificate and key (never a client certificate):
  // the kubelet's gRPC probes cannot speak TLS. Empty: none.
  std::string health_address;
  std::string kafka_bootstrap;
  // The worker's database (consumer_offsets, sessions); empty: lag without
  // it, and GetSession, EraseSessions and EnforceRetention are UNAVAILABLE.
  std::string pg_dsn;
  std::string operator_token_file;
  // How often --operator_token_file is checked for a change: a revoked
  // token is refused, a new one works, within this long and without a
  // restart. Zero: read at start only.
  absl::Duration secrets_reload_interval = absl::Seconds(10);
  // Bound on each Kafka admin request and each database query.
  absl::Duration admin_timeout = absl::Seconds(10);
  // False (--admin_api=basic): the cluster answers only metadata, offset
  // and fetch requests (librdkafka's mock); see RdKafkaAdminOptions.
  bool full_admin_api = true;
  // Bound on one RedriveSession or ReplaySession (scans and producing).
  absl::Duration redrive_timeout = absl::Minutes(5);
  // SIGTERM: in-flight calls get this long to finish.
  absl::Duration shutdown_grace = absl::Seconds(20);
  // TLS on the gRPC port (--tls_*; mutual TLS with --tls_client_ca_file);
  // plaintext when unset.
  std::optional<TlsFiles> tls;
  BrokerProxyCoreOptions core;
  // EnforceRetention's settings (--legacy_retention_days,
  // --partition_lookahead_days, --retention_lock_timeout).
  RetentionAdminOptions retention;
};

absl::Status ValidateBrokerProxyOptions(const BrokerProxyOptions& options);

class BrokerProxyServer {
 public:
  // Listens at once; health is SERVING once listening (Kafka trouble is
  // answered per call with UNAVAILABLE). `admin`, `database`,
  // `dead_letters`, `sessions`, `quarantines`, `producer` and `retention`
  // replace the librdkafka / libpq implementations (tests); null = the real
  // ones (the libpq ones only with a --pg_dsn). The producer (client id
  // ingest-broker-proxy) is flushed on Shutdown. When retention last
  // succeeded is read from the database in the background, at start and
  // at scrapes of /metrics until it was read.
  static absl::StatusOr<std::unique_ptr<BrokerProxyServer>> Start(
      const BrokerProxyOptions& options, std::unique_ptr<KafkaAdmin> admin = nullptr,
      std::unique_ptr<DatabaseOffsets> database = nullptr,
      std::unique_ptr<DeadLetterSource> dead_letters = nullptr,
      std::unique_ptr<SessionDatabase> sessions = nullptr,
      std::unique_ptr<QuarantineStore> quarantines = nullptr,
      std::unique_ptr<Producer> producer = nullptr,
      std::unique_ptr<RetentionDatabase> retention = nullptr);
  ~BrokerProxyServer();

  // NOT_SERVING, stop accepting, let in-flight calls finish (up to the grace
  // period). Idempotent.
  void Shutdown();

  int port() const;
  int metrics_port() const;
  int health_port() const;  // 0 without --health_address

 private:
  BrokerProxyServer() = default;
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

}  // namespace ingest
