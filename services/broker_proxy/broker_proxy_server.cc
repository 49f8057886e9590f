#include "services/broker_proxy/broker_proxy_server.h"

#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/server.h>

#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "prometheus/registry.h"
#include "services/broker_proxy/broker_proxy_metrics.h"
#include "services/broker_proxy/broker_proxy_service.h"
#include "services/broker_proxy/operator_tokens.h"
#include "services/broker_proxy/scrape_hook_registry.h"
#include "services/common/auth/secret_file_watcher.h"
#include "services/common/health/health_server.h"
#include "services/common/health/serving_status.h"
#include "services/common/kafka/rdkafka_admin.h"
#include "services/common/kafka/rdkafka_producer.h"
#include "services/common/logging/log.h"
#include "services/common/metrics/metrics_server.h"
#include "services/common/server/grpc_server.h"
#include "services/common/status/status_macros.h"

namespace ingest {

struct BrokerProxyServer::Parts {
  BrokerProxyOptions options;
  std::shared_ptr<ScrapeHookRegistry> registry = std::make_shared<ScrapeHookRegistry>();
  std::unique_ptr<BrokerProxyMetrics> metrics;
  std::unique_ptr<MetricsServer> metrics_server;
  LiveOperatorTokens tokens;
  std::unique_ptr<SecretFileWatcher> tokens_watcher;  // after tokens: stopped first
  std::unique_ptr<KafkaAdmin> admin;
  std::unique_ptr<DatabaseOffsets> database;
  std::unique_ptr<DeadLetterSource> dead_letters;
  std::unique_ptr<SessionDatabase> sessions;
  std::unique_ptr<QuarantineStore> quarantines;
  std::unique_ptr<Producer> producer;
  std::unique_ptr<RetentionDatabase> retention_database;
  std::unique_ptr<RetentionAdmin> retention;  // the registry's scrape hook calls it
  std::unique_ptr<BrokerProxyCore> core;
  std::unique_ptr<BrokerProxyService> service;
  // The gRPC health status, told to gRPC and to /readyz alike.
  ServingStatus serving;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
  std::unique_ptr<HealthServer> health_server;  // reads `serving`
  bool shut_down = false;
};

absl::Status ValidateBrokerProxyOptions(const BrokerProxyOptions& options) {
  if (options.kafka_bootstrap.empty()) {
    return absl::InvalidArgumentError("--kafka_bootstrap is required (e.g. 127.0.0.1:9092)");
  }
  if (options.operator_token_file.empty()) {
    return absl::InvalidArgumentError(
        "--operator_token_file is required (one operator token per line)");
  }
  if (options.secrets_reload_interval < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "--secrets_reload_interval must not be negative (0: read the tokens file at start only)");
  }
  if (options.admin_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--admin_timeout must be positive");
  }
  if (options.redrive_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--redrive_timeout must be positive");
  }
  RETURN_IF_ERROR(ValidateRetentionAdminOptions(options.retention));
  const BrokerProxyCoreOptions& core = options.core;
  if (core.partitions < 1 || core.replication_factor < 1 || core.min_insync_replicas < 1) {
    return absl::InvalidArgumentError(
        "--partitions, --replication_factor and --min_insync_replicas must be positive");
  }
  TopicSettings defaults{.partitions = core.partitions,
                         .replication_factor = core.replication_factor,
                         .min_insync_replicas = core.min_insync_replicas,
                         .cleanup_policy = "delete",
                         .retention_ms = core.retention_ms,
                         .max_message_bytes = core.max_message_bytes};
  std::vector<SafetyFinding> findings = CheckTopicSafety(defaults, core.policy, /*force=*/false);
  if (!findings.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the default topic settings are unsafe: ", DescribeFindings(findings)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<BrokerProxyServer>> BrokerProxyServer::Start(
    const BrokerProxyOptions& options, std::unique_ptr<KafkaAdmin> admin,
    std::unique_ptr<DatabaseOffsets> database, std::unique_ptr<DeadLetterSource> dead_letters,
    std::unique_ptr<SessionDatabase> sessions, std::unique_ptr<QuarantineStore> quarantines,
    std::unique_ptr<Producer> producer, std::unique_ptr<RetentionDatabase> retention) {
  RETURN_IF_ERROR(ValidateBrokerProxyOptions(options));
  auto server = std::unique_ptr<BrokerProxyServer>(new BrokerProxyServer());
  Parts& parts = *(server->parts_ = std::make_unique<Parts>());
  parts.options = options;

  parts.metrics = std::make_unique<BrokerProxyMetrics>(*parts.registry);
  // Watched: a rotated Secret takes effect without a restart; a file that
  // does not parse keeps the tokens in force (logged, counted).
  ASSIGN_OR_RETURN(parts.tokens_watcher,
                   parts.tokens.Watch(options.operator_token_file,
                                      {.interval = options.secrets_reload_interval,
                                       .what = "operator tokens",
                                       .flag = "--operator_token_file",
                                       .on_reload = [&parts](const absl::Status& status) {
                                         parts.metrics->SecretsReloaded(status.ok());
                                       }}));
  auto metrics_server = MetricsServer::Start(options.metrics_address, parts.registry);
  if (!metrics_server.ok()) return metrics_server.status();
  parts.metrics_server = std::move(metrics_server).value();

  if (admin == nullptr) {
    ASSIGN_OR_RETURN(auto created, CreateRdKafkaAdmin({.bootstrap_servers = options.kafka_bootstrap,
                                                       .timeout = options.admin_timeout,
                                                       .full_admin_api = options.full_admin_api}));
    admin = std::move(created);
  }
  parts.admin = std::move(admin);
  if (database == nullptr && !options.pg_dsn.empty()) {
    database = CreatePgDatabaseOffsets(options.pg_dsn, options.admin_timeout);
  }
  parts.database = std::move(database);
  if (dead_letters == nullptr) dead_letters = CreateKafkaDeadLetterSource(options.kafka_bootstrap);
  parts.dead_letters = std::move(dead_letters);
  if (sessions == nullptr && !options.pg_dsn.empty()) {
    sessions = CreatePgSessionDatabase(options.pg_dsn, options.admin_timeout);
  }
  parts.sessions = std::move(sessions);
  if (quarantines == nullptr && !options.pg_dsn.empty()) {
    quarantines = CreatePgQuarantineStore(options.pg_dsn, options.admin_timeout);
  }
  parts.quarantines = std::move(quarantines);
  if (producer == nullptr) {
    // Redriven records must be acknowledged within a redrive.
    ASSIGN_OR_RETURN(auto created,
                     CreateRdKafkaProducer({.bootstrap_servers = options.kafka_bootstrap,
                                            .client_id = "ingest-broker-proxy",
                                            .delivery_timeout = options.admin_timeout,
                                            .max_record_bytes = options.core.max_message_bytes}));
    producer = std::move(created);
  }
  parts.producer = std::move(producer);
  if (retention == nullptr && !options.pg_dsn.empty()) {
    retention = CreatePgRetentionDatabase(options.pg_dsn, options.admin_timeout);
  }
  parts.retention_database = std::move(retention);
  parts.retention = std::make_unique<RetentionAdmin>(
      options.retention, parts.retention_database.get(), parts.metrics.get());
  // The last success survives a restart: read now, and again at each
  // scrape until a read succeeds.
  parts.retention->RefreshLastSuccess();
  parts.registry->SetHook([retention = parts.retention.get()] { retention->RefreshLastSuccess(); });
  BrokerProxyCoreOptions core_options = options.core;
  core_options.admin_timeout = options.admin_timeout;
  core_options.redrive_timeout = options.redrive_timeout;
  parts.core = std::make_unique<BrokerProxyCore>(
      std::move(core_options), *parts.admin, parts.database.get(), parts.dead_letters.get(),
      parts.sessions.get(), parts.quarantines.get(), parts.producer.get());
  parts.service = std::make_unique<BrokerProxyService>(*parts.core, *parts.retention, parts.tokens,
                                                       *parts.metrics);

  if (!options.health_address.empty()) {
    ASSIGN_OR_RETURN(parts.health_server,
                     HealthServer::Start(options.health_address, parts.serving.Checks(),
                                         {.tls = ProbeTls(options.tls)}));
  }
  ASSIGN_OR_RETURN(auto listening, StartGrpcServer(options.grpc_address, parts.service.get(),
                                                   {.tls = options.tls}));
  parts.server = std::move(listening.server);
  parts.port = listening.port;
  parts.serving.Attach(*parts.server);
  parts.serving.Set(true);
  log::Info("broker_proxy.started",
            {{"port", parts.port},
             {"metrics_port", parts.metrics_server->port()},
             {"health_port", server->health_port()},
             {"kafka", options.kafka_bootstrap},
             {"database", !options.pg_dsn.empty()},
             {"operator_tokens", static_cast<int64_t>(parts.tokens.current()->size())}});
  return server;
}

BrokerProxyServer::~BrokerProxyServer() {
  Shutdown();
  // The metrics server outlives the retention admin the hook calls.
  if (parts_ != nullptr) parts_->registry->SetHook(nullptr);
}

void BrokerProxyServer::Shutdown() {
  if (parts_ == nullptr || parts_->shut_down) return;
  parts_->shut_down = true;
  log::Info("broker_proxy.stopping",
            {{"grace_ms", absl::ToInt64Milliseconds(parts_->options.shutdown_grace)}});
  if (parts_->server != nullptr) {
    parts_->serving.Set(false, "draining");
    parts_->server->Shutdown(absl::ToChronoTime(absl::Now() + parts_->options.shutdown_grace));
  }
  // Joins the workers once the calls they run are answered.
  parts_->service.reset();
  // Redrives and replays wait for their deliveries; this is for anything a
  // call abandoned at its deadline.
  if (parts_->producer != nullptr) {
    if (absl::Status flushed = parts_->producer->Flush(parts_->options.shutdown_grace);
        !flushed.ok()) {
      log::Warn("broker_proxy.producer_flush_failed", {{"error", flushed.ToString()}});
    }
  }
  log::Info("broker_proxy.stopped");
}

int BrokerProxyServer::port() const { return parts_->port; }
int BrokerProxyServer::metrics_port() const { return parts_->metrics_server->port(); }
int BrokerProxyServer::health_port() const {
  return parts_->health_server == nullptr ? 0 : parts_->health_server->port();
}

}  // namespace ingest
