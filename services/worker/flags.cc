#include "services/worker/flags.h"

#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/common/flags/common_flags.h"
#include "services/common/flags/usage.h"

ABSL_FLAG(std::string, metrics_address, "127.0.0.1:9102",
          "HOST:PORT for the Prometheus /metrics endpoint. Env: WORKER_METRICS_ADDRESS.");
ABSL_FLAG(std::string, kafka_bootstrap, "",
          "Kafka bootstrap servers, HOST:PORT[,...]. Required. Env: KAFKA_BOOTSTRAP.");
ABSL_FLAG(std::string, topic, "ingest.tasks", "Topic to consume. Env: KAFKA_TOPIC.");
ABSL_FLAG(std::string, group_id, "ingest-workers", "Kafka consumer group. Env: WORKER_GROUP_ID.");
ABSL_FLAG(std::string, group_instance_id, "",
          "Static group membership id (e.g. the pod name) so a restart within "
          "--session_timeout causes no rebalance; empty = dynamic. Env: WORKER_INSTANCE_ID.");
ABSL_FLAG(absl::Duration, session_timeout, absl::Seconds(30),
          "Kafka consumer session timeout: how long a silent member keeps its partitions. "
          "Failover takes this plus the broker's group.initial.rebalance.delay.ms.");
ABSL_FLAG(absl::Duration, heartbeat_interval, absl::Seconds(3),
          "Kafka consumer heartbeat interval (at most a third of --session_timeout).");
ABSL_FLAG(absl::Duration, max_poll_interval, absl::Minutes(5),
          "Kafka max.poll.interval.ms: a member that does not poll this long leaves the group.");
ABSL_FLAG(std::string, pg_dsn, "",
          "PostgreSQL connection string (libpq keywords or URI). Required. Env: PG_DSN.");
ABSL_FLAG(absl::Duration, pg_lock_timeout, absl::Seconds(5),
          "lock_timeout for each batch transaction; a locked table fails the batch, "
          "which is retried with backoff.");
ABSL_FLAG(absl::Duration, pg_statement_timeout, absl::Seconds(30),
          "statement_timeout for each batch transaction.");
ABSL_FLAG(int, batch_max_records, 500, "Largest batch (records) per partition and transaction.");
ABSL_FLAG(int64_t, batch_max_bytes, 32 << 20, "Largest batch (bytes) per partition.");
ABSL_FLAG(absl::Duration, batch_max_delay, absl::Milliseconds(50),
          "How long a partial batch waits for more records before it is written.");
ABSL_FLAG(absl::Duration, retry_max_backoff, absl::Seconds(10),
          "Cap of the exponential backoff between retries of a failed batch.");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(20),
          "On SIGTERM, how long to keep trying to persist held batches before leaving.");

namespace ingest {

absl::StatusOr<WorkerOptions> ParseWorkerFlags(int argc, char** argv) {
  ConfigureFlagUsage(
      "Consumes ingest.tasks by partition and persists sessions to PostgreSQL, exactly once.\n"
      "Usage: worker --kafka_bootstrap=HOST:PORT --pg_dsn='host=... dbname=...' [flags]");
  // The command line, parsed below, takes precedence over the environment.
  ApplyEnvironment({{&FLAGS_metrics_address, "WORKER_METRICS_ADDRESS"},
                              {&FLAGS_kafka_bootstrap, "KAFKA_BOOTSTRAP"},
                              {&FLAGS_topic, "KAFKA_TOPIC"},
                              {&FLAGS_group_id, "WORKER_GROUP_ID"},
                              {&FLAGS_group_instance_id, "WORKER_INSTANCE_ID"},
                              {&FLAGS_pg_dsn, "PG_DSN"}});
  absl::ParseCommandLine(argc, argv);

  if (absl::Status status = InitLoggingFromFlags("worker"); !status.ok()) return status;

  WorkerOptions options;
  options.metrics_address = absl::GetFlag(FLAGS_metrics_address);
  options.consumer.bootstrap_servers = absl::GetFlag(FLAGS_kafka_bootstrap);
  options.consumer.topic = absl::GetFlag(FLAGS_topic);
  options.consumer.group_id = absl::GetFlag(FLAGS_group_id);
  options.consumer.group_instance_id = absl::GetFlag(FLAGS_group_instance_id);
  options.consumer.session_timeout = absl::GetFlag(FLAGS_session_timeout);
  options.consumer.heartbeat_interval = absl::GetFlag(FLAGS_heartbeat_interval);
  options.consumer.max_poll_interval = absl::GetFlag(FLAGS_max_poll_interval);
  options.store.dsn = absl::GetFlag(FLAGS_pg_dsn);
  options.store.lock_timeout = absl::GetFlag(FLAGS_pg_lock_timeout);
  options.store.statement_timeout = absl::GetFlag(FLAGS_pg_statement_timeout);
  options.loop.max_batch_records = absl::GetFlag(FLAGS_batch_max_records);
  options.loop.max_batch_bytes = absl::GetFlag(FLAGS_batch_max_bytes);
  options.loop.max_batch_delay = absl::GetFlag(FLAGS_batch_max_delay);
  options.loop.max_backoff = absl::GetFlag(FLAGS_retry_max_backoff);
  options.loop.drain_timeout = absl::GetFlag(FLAGS_shutdown_grace);
  return options;
}

}  // namespace ingest
