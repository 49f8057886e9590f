#include "services/worker/flags.h"

#include <atomic>
#include <csignal>
#include <functional>
#include <memory>
#include <string>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/common/flags/common_flags.h"
#include "services/common/flags/usage.h"
#include "services/common/logging/log.h"
#include "services/common/server/tls_flags.h"
#include "services/common/status/status_macros.h"

ABSL_FLAG(std::string, metrics_address, "127.0.0.1:9102",
          "HOST:PORT for the Prometheus /metrics endpoint. Env: WORKER_METRICS_ADDRESS.");
ABSL_FLAG(std::string, health_address, "127.0.0.1:9103",
          "HOST:PORT for the HTTP probes GET /livez and GET /readyz (ready = a member of the "
          "consumer group and PostgreSQL reachable); empty disables them. HTTPS with "
          "--tls_cert_file and --tls_key_file. Env: WORKER_HEALTH_ADDRESS.");
// tls_flags.cc's: the worker takes no client CA.
ABSL_DECLARE_FLAG(std::string, tls_client_ca_file);
ABSL_FLAG(std::string, kafka_bootstrap, "",
          "Kafka bootstrap servers, HOST:PORT[,...]. Required. Env: KAFKA_BOOTSTRAP.");
ABSL_FLAG(std::string, topic, "ingest.tasks", "Topic to consume. Env: KAFKA_TOPIC.");
ABSL_FLAG(std::string, dlq_topic, "",
          "Dead-letter topic for poison records and their quarantined sessions; empty = "
          "<topic>.dlq. Env: WORKER_DLQ_TOPIC.");
ABSL_FLAG(absl::Duration, dlq_timeout, absl::Seconds(30),
          "How long a batch waits for the DLQ to acknowledge its dead letters before it is "
          "rolled back and retried.");
ABSL_FLAG(std::string, group_id, "ingest-workers", "Kafka consumer group. Env: WORKER_GROUP_ID.");
ABSL_FLAG(std::string, group_instance_id, "",
          "Static group membership id (e.g. the pod name) so a restart within "
          "--session_timeout causes no rebalance; empty = dynamic. Env: WORKER_INSTANCE_ID.");
ABSL_FLAG(absl::Duration, session_timeout, absl::Seconds(30),
          "Kafka consumer session timeout: how long a silent member keeps its partitions. "
          "Failover takes this plus the broker's group.initial.rebalance.delay.ms.");
ABSL_FLAG(absl::Duration, heartbeat_interval, absl::Seconds(3),
          "Kafka consumer heartbeat interval (at most a third of --session_timeout). The "
          "broker's group.initial.rebalance.delay.ms (3 s by default; 0 in the local stack) "
          "delays the first assignment of a new group by that much.");
ABSL_FLAG(absl::Duration, max_poll_interval, absl::Minutes(5),
          "Kafka max.poll.interval.ms: a member that does not poll this long leaves the group.");
ABSL_FLAG(int, kafka_client_max_failures, 10,
          "A Kafka consumer (or DLQ producer) that fails for good (e.g. a static member fenced "
          "by the broker) is replaced in-process; a replacement that fails again before it "
          "joins its group (or delivers a record) waits a backoff. After this many failures "
          "in a row the worker exits; /livez fails from the second.");
ABSL_FLAG(absl::Duration, kafka_client_max_backoff, absl::Seconds(60),
          "Cap of the backoff between replacements of a failing Kafka client.");
ABSL_FLAG(absl::Duration, kafka_statistics_interval, absl::Seconds(15),
          "How often librdkafka statistics (broker rtt, retries, errors, queue depth) of the "
          "consumer and the DLQ producer refresh the ingest_worker_kafka_* metrics; 0 disables.");
ABSL_FLAG(std::string, pg_dsn, "",
          "PostgreSQL connection string (libpq keywords or URI). Required. Env: PG_DSN.");
ABSL_FLAG(absl::Duration, pg_lock_timeout, absl::Seconds(5),
          "lock_timeout for each batch transaction; a locked table fails the batch, "
          "which is retried with backoff.");
ABSL_FLAG(absl::Duration, pg_statement_timeout, absl::Seconds(30),
          "statement_timeout for each batch transaction.");
ABSL_FLAG(int, batch_max_records, 500, "Largest batch (records) of one partition.");
ABSL_FLAG(int64_t, batch_max_bytes, 16 << 20, "Largest batch (record bytes) of one partition.");
ABSL_FLAG(int, writer_threads, 4,
          "Threads (each with its own PostgreSQL connection) writing batches; partitions are "
          "processed in parallel, each strictly in order.");
ABSL_FLAG(int, transaction_max_records, 2000,
          "A writer puts queued batches of several partitions into one transaction up to this "
          "many records...");
ABSL_FLAG(int64_t, transaction_max_bytes, 16 << 20, "...and this many record bytes.");
ABSL_FLAG(int64_t, max_held_bytes, int64_t{256} << 20,
          "Record bytes taken from Kafka and not yet persisted, across partitions; beyond it "
          "partitions are paused until batches commit.");
ABSL_FLAG(absl::Duration, batch_max_delay, absl::Milliseconds(50),
          "How long a partial batch waits for more records before it is written.");
ABSL_FLAG(absl::Duration, retry_max_backoff, absl::Seconds(10),
          "Cap of the exponential backoff between retries of a failed batch.");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(20),
          "On SIGTERM, how long to keep trying to persist held batches before leaving.");
ABSL_FLAG(absl::Duration, stream_chunk_ttl, absl::Hours(24),
          "Chunks of a PushPayloadStream that never completed (refused or abandoned) are removed "
          "once written this long ago; they are never visible as payload data meanwhile.");
ABSL_FLAG(absl::Duration, stream_chunk_sweep_interval, absl::Minutes(10),
          "How often the worker looks for expired stream chunks.");
ABSL_FLAG(int, default_retention_days, 30,
          "Days a session's rows are kept when its records carry no retention (records of "
          "gateways older than issue 21; newer ones stamp the project's). Also the retention "
          "partitions are always kept ahead for. 1-3650.");
ABSL_FLAG(int, partition_lookahead_days, 7,
          "Day partitions are created this many days ahead of every retention in use, so a "
          "worker down for less than that still finds them. 0-365.");
ABSL_FLAG(absl::Duration, partition_check_interval, absl::Hours(1),
          "How often the worker checks that the day partitions ahead exist (and once at start).");
ABSL_FLAG(absl::Duration, session_idle_timeout, absl::Minutes(30),
          "A live session with no new payload for this long is completed. Measured against the "
          "partition's processed-time watermark (the newest received_at the worker has read, or "
          "its clock once caught up), never the wall clock while a backlog waits.");
ABSL_FLAG(absl::Duration, session_unloaded_idle_timeout, absl::Minutes(2),
          "The idle timeout of a session once one of its payloads said the page unloaded "
          "(has_session_unloaded). A later payload reopens a completed session.");
ABSL_FLAG(absl::Duration, lifecycle_tick, absl::Seconds(5),
          "How often a caught-up partition with nothing to write still completes its idle "
          "sessions.");
ABSL_FLAG(int, rage_click_min_clicks, 5,
          "Rage click: at least this many clicks within --rage_click_radius_px of the first "
          "and within --rage_click_window of it (services/common/facts/README.md).");
ABSL_FLAG(int, rage_click_radius_px, 8, "See --rage_click_min_clicks.");
ABSL_FLAG(absl::Duration, rage_click_window, absl::Seconds(5), "See --rage_click_min_clicks.");
ABSL_FLAG(absl::Duration, live_sessions_interval, absl::Seconds(30),
          "How often ingest_worker_live_sessions and the oldest live session's idle time are "
          "read from the database.");
ABSL_FLAG(int, crash_after_db_commits, 0,
          "Fault testing only (./dev chaos): after this many committed batch transactions, "
          "SIGKILL this process before the Kafka offset commit, the window in which only the "
          "database knows the new offset. 0 (default) = never.");

namespace ingest {
namespace {

// The --crash_after_db_commits hook: the N-th call kills the process the way
// the kernel's OOM killer or a node failure would, with no cleanup at all.
std::function<void()> CrashAfterCommits(int commits) {
  auto count = std::make_shared<std::atomic<int>>(0);
  return [count, commits] {
    if (count->fetch_add(1) + 1 < commits) return;
    log::Warn("worker.crash_after_db_commits",
              {{"commits", commits}, {"note", "SIGKILL before the Kafka commit (fault test)"}});
    std::raise(SIGKILL);
  };
}

}  // namespace

absl::StatusOr<WorkerOptions> ParseWorkerFlags(int argc, char** argv) {
  ConfigureFlagUsage(
      "Consumes ingest.tasks by partition and persists sessions to PostgreSQL, exactly once.\n"
      "Usage: worker --kafka_bootstrap=HOST:PORT --pg_dsn='host=... dbname=...' [flags]\n"
      "       worker migrate --pg_dsn=... [--help]   apply the schema migrations and exit");
  // The command line, parsed below, takes precedence over the environment.
  ApplyEnvironment({{&FLAGS_metrics_address, "WORKER_METRICS_ADDRESS"},
                              {&FLAGS_kafka_bootstrap, "KAFKA_BOOTSTRAP"},
                              {&FLAGS_topic, "KAFKA_TOPIC"},
                              {&FLAGS_group_id, "WORKER_GROUP_ID"},
                              {&FLAGS_group_instance_id, "WORKER_INSTANCE_ID"},
                              {&FLAGS_health_address, "WORKER_HEALTH_ADDRESS"},
                              {&FLAGS_dlq_topic, "WORKER_DLQ_TOPIC"},
                              {&FLAGS_pg_dsn, "PG_DSN"}});
  ApplyTlsEnvironment();
  absl::ParseCommandLine(argc, argv);

  RETURN_IF_ERROR(InitLoggingFromFlags("worker"));

  WorkerOptions options;
  options.metrics_address = absl::GetFlag(FLAGS_metrics_address);
  options.health_address = absl::GetFlag(FLAGS_health_address);
  if (!absl::GetFlag(FLAGS_tls_client_ca_file).empty()) {
    return absl::InvalidArgumentError(
        "--tls_client_ca_file (TLS_CLIENT_CA_FILE) is not for the worker: its only TLS port is "
        "the health port, and Kubernetes probes send no client certificate; unset it");
  }
  ASSIGN_OR_RETURN(options.health_tls, TlsFilesFromFlags());
  options.dlq_topic = absl::GetFlag(FLAGS_dlq_topic);
  options.dlq_timeout = absl::GetFlag(FLAGS_dlq_timeout);
  options.writers.threads = absl::GetFlag(FLAGS_writer_threads);
  options.writers.max_transaction_records = absl::GetFlag(FLAGS_transaction_max_records);
  options.writers.max_transaction_bytes = absl::GetFlag(FLAGS_transaction_max_bytes);
  options.loop.max_held_bytes = absl::GetFlag(FLAGS_max_held_bytes);
  options.consumer.bootstrap_servers = absl::GetFlag(FLAGS_kafka_bootstrap);
  options.consumer.topic = absl::GetFlag(FLAGS_topic);
  options.consumer.group_id = absl::GetFlag(FLAGS_group_id);
  options.consumer.group_instance_id = absl::GetFlag(FLAGS_group_instance_id);
  options.consumer.session_timeout = absl::GetFlag(FLAGS_session_timeout);
  options.consumer.heartbeat_interval = absl::GetFlag(FLAGS_heartbeat_interval);
  options.consumer.max_poll_interval = absl::GetFlag(FLAGS_max_poll_interval);
  options.kafka_statistics_interval = absl::GetFlag(FLAGS_kafka_statistics_interval);
  options.kafka_recovery.max_failures = absl::GetFlag(FLAGS_kafka_client_max_failures);
  options.kafka_recovery.max_backoff = absl::GetFlag(FLAGS_kafka_client_max_backoff);
  options.store.dsn = absl::GetFlag(FLAGS_pg_dsn);
  options.store.lock_timeout = absl::GetFlag(FLAGS_pg_lock_timeout);
  options.store.statement_timeout = absl::GetFlag(FLAGS_pg_statement_timeout);
  options.loop.max_batch_records = absl::GetFlag(FLAGS_batch_max_records);
  options.loop.max_batch_bytes = absl::GetFlag(FLAGS_batch_max_bytes);
  options.loop.max_batch_delay = absl::GetFlag(FLAGS_batch_max_delay);
  options.loop.max_backoff = absl::GetFlag(FLAGS_retry_max_backoff);
  options.loop.drain_timeout = absl::GetFlag(FLAGS_shutdown_grace);
  options.stream_chunks.ttl = absl::GetFlag(FLAGS_stream_chunk_ttl);
  options.stream_chunks.interval = absl::GetFlag(FLAGS_stream_chunk_sweep_interval);
  options.store.lifecycle.idle_timeout = absl::GetFlag(FLAGS_session_idle_timeout);
  options.store.lifecycle.unloaded_idle_timeout = absl::GetFlag(FLAGS_session_unloaded_idle_timeout);
  options.store.lifecycle.rage_clicks = {.min_clicks = absl::GetFlag(FLAGS_rage_click_min_clicks),
                                         .radius_px = absl::GetFlag(FLAGS_rage_click_radius_px),
                                         .window_ms = absl::ToInt64Milliseconds(
                                             absl::GetFlag(FLAGS_rage_click_window))};
  options.store.default_retention_days = absl::GetFlag(FLAGS_default_retention_days);
  options.partitions.default_retention_days = options.store.default_retention_days;
  options.partitions.lookahead_days = absl::GetFlag(FLAGS_partition_lookahead_days);
  options.partitions.interval = absl::GetFlag(FLAGS_partition_check_interval);
  if (options.store.default_retention_days < 1 || options.store.default_retention_days > 3650) {
    return absl::InvalidArgumentError(
        absl::StrCat("--default_retention_days=", options.store.default_retention_days,
                     " is out of range: give the days a session's rows are kept, 1 to 3650"));
  }
  if (options.partitions.lookahead_days < 0 || options.partitions.lookahead_days > 365) {
    return absl::InvalidArgumentError(
        absl::StrCat("--partition_lookahead_days=", options.partitions.lookahead_days,
                     " is out of range: 0 to 365 days"));
  }
  if (options.partitions.interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--partition_check_interval must be positive, e.g. 1h");
  }
  options.loop.lifecycle_tick = absl::GetFlag(FLAGS_lifecycle_tick);
  options.live_sessions_interval = absl::GetFlag(FLAGS_live_sessions_interval);
  if (const int commits = absl::GetFlag(FLAGS_crash_after_db_commits); commits > 0) {
    options.loop.before_kafka_commit = CrashAfterCommits(commits);
  }
  return options;
}

}  // namespace ingest
