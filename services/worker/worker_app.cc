#include "services/worker/worker_app.h"

#include "absl/strings/str_cat.h"
#include "prometheus/registry.h"
#include "services/common/logging/log.h"
#include "services/common/metrics/metrics_server.h"
#include "services/common/pg/connection.h"
#include "services/common/pg/migrations.h"
#include "services/common/retry/backoff.h"

namespace ingest {

struct WorkerApp::Parts {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::unique_ptr<WorkerMetrics> metrics;
  std::unique_ptr<MetricsServer> metrics_server;
  std::unique_ptr<TaskStore> store;
  std::unique_ptr<Consumer> consumer;
  std::unique_ptr<PartitionLoop> loop;
};

namespace {

absl::Status MigrateWithRetry(const WorkerOptions& options) {
  const absl::Time deadline = absl::Now() + options.startup_timeout;
  for (int attempt = 1;; ++attempt) {
    auto connection = PgConnection::Connect(options.store.dsn, options.store.connect_timeout);
    const absl::Status status = connection.ok() ? ApplyMigrations(**connection, options.store.lock_timeout)
                             : connection.status();
    if (status.ok()) return status;
    const absl::Duration backoff =
        CappedExponentialBackoff(absl::Milliseconds(200), absl::Seconds(5), attempt);
    if (absl::Now() + backoff > deadline) {
      return absl::Status(status.code(), absl::StrCat("database not ready after ",
                                                      absl::FormatDuration(options.startup_timeout),
                                                      ": ", status.message()));
    }
    log::Warn("worker.migrate_retry", {{"attempt", attempt},
                                       {"backoff_ms", absl::ToInt64Milliseconds(backoff)},
                                       {"error", status.ToString()}});
    absl::SleepFor(backoff);
  }
}

}  // namespace

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
  if (options.consumer.heartbeat_interval * 3 > options.consumer.session_timeout) {
    return absl::InvalidArgumentError(
        "--heartbeat_interval must be at most a third of --session_timeout");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<WorkerApp>> WorkerApp::Create(const WorkerOptions& options) {
  if (absl::Status status = ValidateWorkerOptions(options); !status.ok()) return status;
  if (absl::Status status = MigrateWithRetry(options); !status.ok()) return status;

  auto app = std::unique_ptr<WorkerApp>(new WorkerApp());
  Parts& parts = *(app->parts_ = std::make_unique<Parts>());
  parts.metrics = std::make_unique<WorkerMetrics>(*parts.registry);
  auto metrics_server = MetricsServer::Start(options.metrics_address, parts.registry);
  if (!metrics_server.ok()) return metrics_server.status();
  parts.metrics_server = std::move(metrics_server).value();

  parts.store = CreatePgTaskStore(options.store);
  auto consumer = CreateRdKafkaConsumer(options.consumer);
  if (!consumer.ok()) return consumer.status();
  parts.consumer = std::move(consumer).value();
  PartitionLoopOptions loop_options = options.loop;
  loop_options.topic = options.consumer.topic;
  parts.loop = std::make_unique<PartitionLoop>(loop_options, *parts.consumer, *parts.store,
                                               *parts.metrics);
  if (absl::Status status = parts.consumer->Subscribe(parts.loop.get()); !status.ok()) {
    return status;
  }
  log::Info("worker.started", {{"metrics_port", parts.metrics_server->port()},
                               {"topic", options.consumer.topic},
                               {"group", options.consumer.group_id}});
  return app;
}

WorkerApp::~WorkerApp() = default;

void WorkerApp::Run(const absl::Notification& stop) {
  parts_->loop->Run(stop);
  parts_->consumer->Close();  // revokes through the loop, then leaves the group
  log::Info("worker.stopped");
}

int WorkerApp::metrics_port() const { return parts_->metrics_server->port(); }

}  // namespace ingest
