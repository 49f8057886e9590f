#pragma once

// WorkerApp: wires the real dependencies (librdkafka consumer and DLQ
// producer, PostgreSQL stores, writer pool, Prometheus exposer, HTTP health
// probes) around a PartitionLoop. Used by main() and by the end-to-end tests.

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "services/common/kafka/rdkafka_consumer.h"
#include "services/common/retry/recovery_budget.h"
#include "services/common/server/tls_files.h"
#include "services/worker/batch_writer_pool.h"
#include "services/worker/partition_keeper.h"
#include "services/worker/partition_loop.h"
#include "services/worker/store/pg_task_store.h"
#include "services/worker/stream_chunk_janitor.h"

namespace ingest {

struct WorkerOptions {
  std::string metrics_address = "127.0.0.1:0";
  // /livez and /readyz; empty = no health server.
  std::string health_address = "127.0.0.1:0";
  // HTTPS on the health port with this certificate and key (--tls_*),
  // re-read when they change; plain HTTP when unset. No client CA: the
  // kubelet's probes have no client certificate.
  std::optional<TlsFiles> health_tls;
  ConsumerOptions consumer;
  PgTaskStoreOptions store;
  PartitionLoopOptions loop;
  BatchWriterPoolOptions writers;
  // librdkafka statistics of the consumer and the DLQ producer refresh the
  // ingest_worker_kafka_* metrics this often; zero disables them.
  absl::Duration kafka_statistics_interval = absl::Seconds(15);
  // Dead letters go here; empty = "<topic>.dlq".
  std::string dlq_topic;
  // How long a transaction waits for the DLQ to acknowledge its dead letters.
  absl::Duration dlq_timeout = absl::Seconds(30);
  // /livez fails when the loop has not completed a step for this long.
  absl::Duration liveness_stall = absl::Minutes(2);
  // Start-up waits this long for PostgreSQL (migrations) before giving up.
  absl::Duration startup_timeout = absl::Seconds(60);
  // Pacing of in-process replacements of the Kafka consumer and the DLQ
  // producer after fatal errors; past max_failures in a row the worker exits.
  RecoveryBudgetOptions kafka_recovery;
  // Removal of the chunks of streams that never completed.
  StreamChunkJanitorOptions stream_chunks;
  PartitionKeeperOptions partitions;
  // How often the live-session gauges are read (live_session_gauges.h).
  absl::Duration live_sessions_interval = absl::Seconds(30);
};

// Validates options; the error names the flag to fix.
absl::Status ValidateWorkerOptions(const WorkerOptions& options);

class WorkerApp {
 public:
  // Connects to PostgreSQL (retrying until startup_timeout), applies
  // migrations, starts /metrics and the health probes and joins the
  // consumer group.
  static absl::StatusOr<std::unique_ptr<WorkerApp>> Create(const WorkerOptions& options);
  ~WorkerApp();

  // Processes until `stop` is notified, then drains and leaves the group.
  // A Kafka client that fails for good is replaced in-process; Run returns
  // early only when replacements keep failing (the process must exit and be
  // restarted).
  absl::Status Run(const absl::Notification& stop);

  int metrics_port() const;
  int health_port() const;  // 0 without a health server

 private:
  WorkerApp() = default;
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

}  // namespace ingest
