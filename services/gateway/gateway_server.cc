#include "services/gateway/gateway_server.h"

#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/server.h>
#include <unistd.h>

#include <limits>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "prometheus/registry.h"
#include "services/common/auth/secret_file_watcher.h"
#include "services/common/health/health_server.h"
#include "services/common/health/serving_status.h"
#include "services/common/kafka/sharded_producer.h"
#include "services/common/logging/log.h"
#include "services/common/metrics/metrics_server.h"
#include "services/common/server/grpc_server.h"
#include "services/common/status/status_macros.h"
#include "services/gateway/auth/api_key_store.h"
#include "services/gateway/gateway_metrics.h"
#include "services/gateway/limits/inflight_budget.h"
#include "services/gateway/session_id.h"
#include "services/gateway/task_publisher.h"

namespace ingest {

struct GatewayServer::Parts {
  GatewayOptions options;
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::unique_ptr<GatewayMetrics> metrics;
  std::unique_ptr<MetricsServer> metrics_server;
  std::unique_ptr<Producer> producer;
  LiveApiKeys keys;
  std::unique_ptr<SecretFileWatcher> keys_watcher;  // after keys: stopped first
  std::optional<SessionIds> session_ids;
  std::unique_ptr<InFlightBudget> budget;
  std::unique_ptr<ProjectRateLimiter> rate_limiter;
  std::unique_ptr<PeerRateLimiter> peer_rate;
  std::unique_ptr<TaskPublisher> publisher;
  std::unique_ptr<IngestService> service;
  // The gRPC health status, told to gRPC and to /readyz alike.
  ServingStatus serving;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
  std::unique_ptr<HealthServer> health_server;  // reads `serving`

  absl::Notification stop_health;
  std::thread health_thread;
  bool shut_down = false;
};

namespace {

std::string HostName() {
  char name[256] = {};
  return gethostname(name, sizeof(name) - 1) == 0 ? name : "gateway";
}

// Reports SERVING while Kafka answers metadata requests, NOT_SERVING
// otherwise, until stopped.
void MonitorKafka(Producer& producer, ServingStatus& serving, GatewayMetrics& metrics,
                  const GatewayOptions& options, absl::Notification& stop) {
  std::optional<bool> reachable;  // told at the first check, then on changes
  do {
    const absl::Status status = producer.CheckReachable(options.topic, options.health_interval);
    if (status.ok() != reachable) {
      reachable = status.ok();
      serving.Set(*reachable, "Kafka unreachable");
      metrics.SetKafkaReachable(*reachable);
      if (*reachable) {
        log::Info("gateway.kafka_reachable", {{"topic", options.topic}});
      } else {
        log::Warn("gateway.kafka_unreachable",
                  {{"error", status.ToString()},
                   {"detail", "health is NOT_SERVING; calls answer UNAVAILABLE until Kafka is back"}});
      }
    }
  } while (!stop.WaitForNotificationWithTimeout(options.health_interval));
}

// `options.kafka_producers` librdkafka clients behind one ShardedProducer.
absl::StatusOr<std::unique_ptr<Producer>> CreateProducers(const GatewayOptions& options,
                                                          const std::string& gateway_id,
                                                          GatewayMetrics& metrics) {
  std::vector<std::unique_ptr<Producer>> shards;
  for (int i = 0; i < options.kafka_producers; ++i) {
    ProducerOptions producer_options = options.producer;
    producer_options.client_id = absl::StrCat(gateway_id, "-", i);
    producer_options.on_statistics = [&metrics](absl::string_view json) {
      metrics.RecordKafkaStatsJson(json);
    };
    ASSIGN_OR_RETURN(auto created, CreateRdKafkaProducer(producer_options));
    shards.push_back(std::move(created));
  }
  return std::unique_ptr<Producer>(new ShardedProducer(std::move(shards)));
}

}  // namespace

absl::Status ValidateGatewayOptions(const GatewayOptions& options) {
  if (options.producer.bootstrap_servers.empty()) {
    return absl::InvalidArgumentError("--kafka_bootstrap is required (e.g. 127.0.0.1:9092)");
  }
  if (options.api_keys_file.empty()) {
    return absl::InvalidArgumentError("--api_keys_file is required (lines of `project_id key`)");
  }
  if (!(options.peer_rate.calls_per_second > 0) || !(options.peer_rate.burst_calls >= 1)) {
    return absl::InvalidArgumentError(
        "--peer_calls_per_second must be positive and --peer_call_burst at least 1");
  }
  if (options.default_retention_days < kMinRetentionDays ||
      options.default_retention_days > kMaxRetentionDays) {
    return absl::InvalidArgumentError(
        absl::StrCat("--default_retention_days must be whole days from ", kMinRetentionDays, " to ",
                     kMaxRetentionDays, " (got ", options.default_retention_days,
                     "); a project's own retention_days in --api_keys_file overrides it"));
  }
  if (options.secrets_reload_interval < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "--secrets_reload_interval must not be negative (0: read the keys file at start only)");
  }
  if (options.session_secret_file.empty()) {
    return absl::InvalidArgumentError(
        "--session_secret_file is required (a long random secret shared by all replicas)");
  }
  const int64_t overhead = 64 << 10;
  if (options.service.limits.max_payload_bytes + overhead >
      options.service.limits.max_message_bytes) {
    return absl::InvalidArgumentError(
        "--max_payload_bytes must be at least 64 KiB below --max_receive_message_bytes");
  }
  if (options.service.limits.max_payload_bytes + overhead > options.producer.max_record_bytes ||
      options.service.stream_chunk_bytes + overhead > options.producer.max_record_bytes) {
    return absl::InvalidArgumentError(
        "--max_payload_bytes and --stream_chunk_bytes must be at least 64 KiB below "
        "--max_record_bytes");
  }
  if (options.service.payload_zstd_level < -5 || options.service.payload_zstd_level > 19) {
    return absl::InvalidArgumentError(
        "--payload_zstd_level must be between -5 (fastest) and 19 (smallest); 1 is the default");
  }
  if (options.kafka_producers < 1 || options.kafka_producers > 64) {
    return absl::InvalidArgumentError("--kafka_producers must be between 1 and 64");
  }
  if (options.service.stream_max_inflight_chunks < 1 || options.service.stream_chunk_bytes < 1) {
    return absl::InvalidArgumentError(
        "--stream_max_inflight_chunks and --stream_chunk_bytes must be positive");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<GatewayServer>> GatewayServer::Start(
    const GatewayOptions& options, std::unique_ptr<Producer> producer) {
  RETURN_IF_ERROR(ValidateGatewayOptions(options));
  auto server = std::unique_ptr<GatewayServer>(new GatewayServer());
  Parts& parts = *(server->parts_ = std::make_unique<Parts>());
  parts.options = options;
  if (parts.options.service.gateway_id.empty()) parts.options.service.gateway_id = HostName();

  parts.metrics = std::make_unique<GatewayMetrics>(*parts.registry);
  // The keys file is watched: a rotated Secret takes effect without a
  // restart; a file that does not parse keeps the keys in force (logged).
  ASSIGN_OR_RETURN(
      parts.keys_watcher,
      parts.keys.Watch(options.api_keys_file, {.interval = options.secrets_reload_interval,
                                               .what = "API keys",
                                               .flag = "--api_keys_file",
                                               .on_reload = [&parts](const absl::Status& status) {
                                                 parts.metrics->SecretsReloaded(status.ok());
                                               }}));
  auto session_ids = SessionIds::LoadSecretFile(options.session_secret_file);
  if (!session_ids.ok()) return session_ids.status();
  parts.session_ids.emplace(*std::move(session_ids));

  auto metrics_server = MetricsServer::Start(options.metrics_address, parts.registry);
  if (!metrics_server.ok()) return metrics_server.status();
  parts.metrics_server = std::move(metrics_server).value();

  if (producer == nullptr) {
    ASSIGN_OR_RETURN(auto created,
                     CreateProducers(options, parts.options.service.gateway_id, *parts.metrics));
    producer = std::move(created);
  }
  parts.producer = std::move(producer);
  parts.budget = std::make_unique<InFlightBudget>(options.max_inflight_bytes);
  parts.rate_limiter = std::make_unique<ProjectRateLimiter>(options.project_rate);
  parts.peer_rate = std::make_unique<PeerRateLimiter>(options.peer_rate);
  parts.publisher = std::make_unique<TaskPublisher>(
      *parts.producer, options.topic, *parts.metrics, *parts.budget, *parts.rate_limiter,
      [&parts](const std::string& project) { return parts.keys.current()->LimitsOf(project); },
      options.default_retention_days);
  IngestServiceOptions service_options = parts.options.service;
  service_options.delivery_timeout = options.producer.delivery_timeout;
  parts.service =
      std::make_unique<IngestService>(service_options, *parts.publisher, *parts.metrics, parts.keys,
                                      *parts.session_ids, parts.peer_rate.get());

  if (!options.health_address.empty()) {
    ASSIGN_OR_RETURN(parts.health_server,
                     HealthServer::Start(options.health_address, parts.serving.Checks(),
                                         {.tls = ProbeTls(options.tls)}));
  }
  // NOT_SERVING until MonitorKafka has seen the broker. gRPC would answer a
  // message over its receive limit RESOURCE_EXHAUSTED (retryable) before
  // any handler runs, so its limit is the largest message protobuf can
  // encode and the service enforces --max_receive_message_bytes itself
  // (CheckRequestSize), answering INVALID_ARGUMENT. That costs no memory
  // bound: gRPC 1.51 buffers a whole message before checking its limit
  // anyway (README, "Message size"); --grpc_memory_quota_bytes bounds it.
  ASSIGN_OR_RETURN(auto listening,
                   StartGrpcServer(options.grpc_address, parts.service.get(),
                                   {.max_receive_message_bytes = std::numeric_limits<int>::max(),
                                    .memory_quota_bytes = options.grpc_memory_quota_bytes,
                                    .serving = false,
                                    .connection = options.connection,
                                    .tls = options.tls}));
  parts.server = std::move(listening.server);
  parts.port = listening.port;
  parts.serving.Attach(*parts.server);
  parts.health_thread =
      std::thread(MonitorKafka, std::ref(*parts.producer), std::ref(parts.serving),
                  std::ref(*parts.metrics), std::cref(parts.options), std::ref(parts.stop_health));
  log::Info("gateway.started",
            {{"port", parts.port},
             {"metrics_port", parts.metrics_server->port()},
             {"health_port", server->health_port()},
             {"topic", options.topic},
             {"gateway_id", parts.options.service.gateway_id},
             {"projects_keys", static_cast<int64_t>(parts.keys.current()->size())}});
  return server;
}

GatewayServer::~GatewayServer() { Shutdown(); }

void GatewayServer::Shutdown() {
  if (parts_ == nullptr || parts_->shut_down) return;
  parts_->shut_down = true;
  log::Info("gateway.stopping", {{"in_flight_calls", parts_->metrics->in_flight_requests()},
                                 {"delay_ms", absl::ToInt64Milliseconds(parts_->options.shutdown_delay)},
                                 {"grace_ms", absl::ToInt64Milliseconds(parts_->options.shutdown_grace)}});
  parts_->stop_health.Notify();
  if (parts_->health_thread.joinable()) parts_->health_thread.join();
  if (parts_->server != nullptr) {
    parts_->serving.Set(false, "draining");
    if (parts_->options.shutdown_delay > absl::ZeroDuration()) {
      // Still serving: clients and load balancers see NOT_SERVING and move.
      absl::SleepFor(parts_->options.shutdown_delay);
    }
    // Stops accepting; in-flight calls finish as Kafka acknowledges them, and
    // whatever is left at the deadline is cancelled.
    parts_->server->Shutdown(absl::ToChronoTime(absl::Now() + parts_->options.shutdown_grace));
  }
  if (parts_->producer != nullptr) {
    absl::Status flushed = parts_->producer->Flush(absl::Seconds(5));
    if (!flushed.ok()) log::Warn("gateway.flush_incomplete", {{"error", flushed.ToString()}});
  }
  log::Info("gateway.stopped", {{"in_flight_calls", parts_->metrics->in_flight_requests()}});
}

int GatewayServer::port() const { return parts_->port; }
int GatewayServer::metrics_port() const { return parts_->metrics_server->port(); }
int GatewayServer::health_port() const {
  return parts_->health_server == nullptr ? 0 : parts_->health_server->port();
}
int64_t GatewayServer::in_flight_requests() const { return parts_->metrics->in_flight_requests(); }

}  // namespace ingest
