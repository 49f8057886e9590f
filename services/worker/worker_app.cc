#include "services/worker/worker_app.h"

#include "absl/strings/str_cat.h"
#include "prometheus/registry.h"
#include "services/common/health/health_server.h"
#include "services/common/kafka/rdkafka_producer.h"
#include "services/common/kafka/recreating_consumer.h"
#include "services/common/kafka/recreating_producer.h"
#include "services/common/logging/log.h"
#include "services/common/metrics/kafka_client_metrics.h"
#include "services/common/metrics/metrics_server.h"
#include "services/common/status/status_macros.h"
#include "services/worker/database_probe.h"
#include "services/worker/dead_letter_publisher.h"
#include "services/worker/live_session_gauges.h"
#include "services/worker/migrate_command.h"
#include "services/worker/stream_chunk_janitor.h"

namespace ingest {

// Declared in destruction order's reverse: the loop goes first, then the
// writers (finishing their transaction), then the DLQ producer they use.
struct WorkerApp::Parts {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::unique_ptr<WorkerMetrics> metrics;
  // Fed by the Kafka clients' statistics callbacks: outlives the clients.
  std::unique_ptr<KafkaClientMetrics> kafka_metrics;
  std::unique_ptr<MetricsServer> metrics_server;
  std::unique_ptr<DatabaseProbe> database_probe;
  std::unique_ptr<StreamChunkJanitor> stream_chunk_janitor;
  std::unique_ptr<PartitionKeeper> partition_keeper;
  std::unique_ptr<LiveSessionGauges> live_session_gauges;
  std::unique_ptr<Producer> dlq_producer;
  std::unique_ptr<DeadLetterPublisher> dead_letters;
  std::unique_ptr<TaskStore> control_store;
  std::unique_ptr<BatchWriterPool> writers;
  std::unique_ptr<Consumer> consumer;
  std::unique_ptr<PartitionLoop> loop;
  std::unique_ptr<HealthServer> health_server;
  absl::Duration liveness_stall;
};

absl::Status ValidateWorkerOptions(const WorkerOptions& options) {
  if (options.consumer.bootstrap_servers.empty()) {
    return absl::InvalidArgumentError("--kafka_bootstrap is required (e.g. 127.0.0.1:9092)");
  }
  if (options.store.dsn.empty()) {
    return absl::InvalidArgumentError(
        "--pg_dsn is required (e.g. 'host=127.0.0.1 port=5432 user=ingest dbname=ingest')");
  }
  if (options.loop.max_batch_records < 1) {
    return absl::InvalidArgumentError("--batch_max_records must be at least 1");
  }
  if (options.writers.threads < 1) {
    return absl::InvalidArgumentError("--writer_threads must be at least 1");
  }
  if (options.loop.max_held_bytes < options.loop.max_batch_bytes) {
    return absl::InvalidArgumentError("--max_held_bytes must be at least --batch_max_bytes");
  }
  if (options.stream_chunks.ttl <= absl::ZeroDuration() ||
      options.stream_chunks.interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "--stream_chunk_ttl and --stream_chunk_sweep_interval must be positive");
  }
  const SessionLifecycleOptions& lifecycle = options.store.lifecycle;
  if (lifecycle.idle_timeout <= absl::ZeroDuration() ||
      lifecycle.unloaded_idle_timeout <= absl::ZeroDuration() ||
      options.loop.lifecycle_tick <= absl::ZeroDuration() ||
      options.live_sessions_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "--session_idle_timeout, --session_unloaded_idle_timeout, --lifecycle_tick and "
        "--live_sessions_interval must be positive");
  }
  if (lifecycle.rage_clicks.min_clicks < 2 || lifecycle.rage_clicks.radius_px < 0 ||
      lifecycle.rage_clicks.window_ms <= 0) {
    return absl::InvalidArgumentError(
        "--rage_click_min_clicks must be at least 2, --rage_click_radius_px at least 0 and "
        "--rage_click_window positive");
  }
  if (options.kafka_recovery.max_failures < 1) {
    return absl::InvalidArgumentError("--kafka_client_max_failures must be at least 1");
  }
  if (options.consumer.heartbeat_interval * 3 > options.consumer.session_timeout) {
    return absl::InvalidArgumentError(
        "--heartbeat_interval must be at most a third of --session_timeout");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<WorkerApp>> WorkerApp::Create(const WorkerOptions& options) {
  RETURN_IF_ERROR(ValidateWorkerOptions(options));
  // Replicas race harmlessly: migrations run under an advisory lock.
  RETURN_IF_ERROR(WaitAndMigrate({.dsn = options.store.dsn,
                                  .connect_timeout = options.store.connect_timeout,
                                  .lock_timeout = options.store.lock_timeout,
                                  .wait = options.startup_timeout})
                      .status());

  auto app = std::unique_ptr<WorkerApp>(new WorkerApp());
  Parts& parts = *(app->parts_ = std::make_unique<Parts>());
  parts.metrics = std::make_unique<WorkerMetrics>(*parts.registry);
  parts.kafka_metrics = std::make_unique<KafkaClientMetrics>(*parts.registry, "ingest_worker");
  const auto record_statistics = [kafka_metrics = parts.kafka_metrics.get()](
                                     absl::string_view json) { kafka_metrics->RecordJson(json); };
  auto metrics_server = MetricsServer::Start(options.metrics_address, parts.registry);
  if (!metrics_server.ok()) return metrics_server.status();
  parts.metrics_server = std::move(metrics_server).value();

  parts.database_probe =
      std::make_unique<DatabaseProbe>(CreatePgTaskStore(options.store), absl::Seconds(5));
  parts.stream_chunk_janitor = std::make_unique<StreamChunkJanitor>(
      CreatePgTaskStore(options.store), options.stream_chunks, *parts.metrics);
  parts.partition_keeper = std::make_unique<PartitionKeeper>(CreatePgTaskStore(options.store),
                                                             options.partitions, *parts.metrics);
  parts.live_session_gauges = std::make_unique<LiveSessionGauges>(
      CreatePgTaskStore(options.store), options.live_sessions_interval, *parts.metrics);

  // Dead letters: the worker's only producer. Same guarantees as the
  // gateway's (acks=all, idempotence): a transaction commits past a poison
  // record only once the DLQ has it.
  const std::string dlq_topic =
      options.dlq_topic.empty() ? options.consumer.topic + ".dlq" : options.dlq_topic;
  auto producer = RecreatingProducer::Create(
      [producer_options = ProducerOptions{.bootstrap_servers = options.consumer.bootstrap_servers,
                                          .client_id = "ingest-worker-dlq",
                                          .delivery_timeout = options.dlq_timeout,
                                          .statistics_interval = options.kafka_statistics_interval,
                                          .on_statistics = record_statistics}] {
        return CreateRdKafkaProducer(producer_options);
      },
      {.what = "the DLQ producer",
       .budget = options.kafka_recovery,
       .on_recreated = [metrics = parts.metrics.get()](const std::string& reason) {
         metrics->DlqProducerRecreated(reason);
       }});
  if (!producer.ok()) return producer.status();
  parts.dlq_producer = *std::move(producer);
  if (absl::Status reachable = parts.dlq_producer->CheckReachable(dlq_topic, absl::Seconds(5));
      !reachable.ok()) {
    log::Warn("worker.dlq_topic_unavailable",
              {{"topic", dlq_topic},
               {"error", reachable.ToString()},
               {"detail", "poison records will hold their partition until the topic exists"}});
  }
  parts.dead_letters = std::make_unique<DeadLetterPublisher>(
      *parts.dlq_producer, dlq_topic, options.consumer.topic, options.dlq_timeout);

  parts.control_store = CreatePgTaskStore(options.store);
  BatchWriterPoolOptions writer_options = options.writers;
  writer_options.topic = options.consumer.topic;
  parts.writers = std::make_unique<BatchWriterPool>(
      writer_options, [&options] { return CreatePgTaskStore(options.store); },
      [publisher = parts.dead_letters.get()](absl::Span<const DeadLetter> letters) {
        return publisher->Publish(letters);
      },
      *parts.metrics);

  RecreatingConsumerOptions recreating;
  recreating.budget = options.kafka_recovery;
  recreating.on_recreated = [metrics = parts.metrics.get()](const std::string& reason) {
    metrics->ConsumerRecreated(reason);
  };
  ConsumerOptions consumer_options = options.consumer;
  consumer_options.statistics_interval = options.kafka_statistics_interval;
  consumer_options.on_statistics = record_statistics;
  auto consumer = RecreatingConsumer::Create(
      [consumer_options] { return CreateRdKafkaConsumer(consumer_options); },
      std::move(recreating));
  if (!consumer.ok()) return consumer.status();
  parts.consumer = *std::move(consumer);
  PartitionLoopOptions loop_options = options.loop;
  loop_options.topic = options.consumer.topic;
  loop_options.dependency_health = [producer = parts.dlq_producer.get()] {
    return producer->Health();
  };
  parts.loop = std::make_unique<PartitionLoop>(loop_options, *parts.consumer, *parts.control_store,
                                               *parts.writers, *parts.metrics);
  parts.liveness_stall = options.liveness_stall;
  if (!options.health_address.empty()) {
    auto health = HealthServer::Start(
        options.health_address,
        {.liveness =
             [&parts] {
               for (const absl::Status& client :
                    {parts.consumer->Liveness(), parts.dlq_producer->Liveness()}) {
                 if (!client.ok()) return HealthReport::Unhealthy(std::string(client.message()));
               }
               const absl::Duration idle = absl::Now() - parts.loop->last_step();
               if (idle <= parts.liveness_stall) return HealthReport::Healthy();
               return HealthReport::Unhealthy(absl::StrCat(
                   "the partition loop made no progress for ", absl::FormatDuration(idle)));
             },
         .readiness =
             [&parts] {
               if (!parts.loop->joined()) {
                 return HealthReport::Unhealthy("not yet a member of the consumer group");
               }
               std::string error = parts.database_probe->LastError();
               if (!error.empty()) return HealthReport::Unhealthy(std::move(error));
               return HealthReport::Healthy();
             }},
        {.tls = options.health_tls});
    if (!health.ok()) return health.status();
    parts.health_server = std::move(health).value();
  }
  if (absl::Status status = parts.consumer->Subscribe(parts.loop.get()); !status.ok()) {
    return status;
  }
  log::Info("worker.started", {{"metrics_port", parts.metrics_server->port()},
                               {"health_port", app->health_port()},
                               {"health_https", options.health_tls.has_value()},
                               {"topic", options.consumer.topic},
                               {"dlq_topic", dlq_topic},
                               {"group", options.consumer.group_id},
                               {"writer_threads", writer_options.threads}});
  return app;
}

WorkerApp::~WorkerApp() = default;

absl::Status WorkerApp::Run(const absl::Notification& stop) {
  const absl::Status status = parts_->loop->Run(stop);
  parts_->consumer->Close();  // revokes through the loop, then leaves the group
  log::Info("worker.stopped", {{"status", status.ToString()}});
  return status;
}

int WorkerApp::metrics_port() const { return parts_->metrics_server->port(); }

int WorkerApp::health_port() const {
  return parts_->health_server == nullptr ? 0 : parts_->health_server->port();
}

}  // namespace ingest
