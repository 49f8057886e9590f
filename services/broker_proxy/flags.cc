#include "services/broker_proxy/flags.h"

#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/time.h"
#include "services/common/flags/common_flags.h"
#include "services/common/flags/usage.h"
#include "services/common/server/tls_flags.h"
#include "services/common/status/status_macros.h"

ABSL_FLAG(std::string, grpc_address, "127.0.0.1:9110",
          "HOST:PORT the BrokerProxy gRPC service listens on. Env: BROKER_PROXY_GRPC_ADDRESS.");
ABSL_FLAG(std::string, metrics_address, "127.0.0.1:9111",
          "HOST:PORT for the Prometheus /metrics endpoint. Env: BROKER_PROXY_METRICS_ADDRESS.");
ABSL_FLAG(std::string, health_address, "",
          "HOST:PORT for HTTP probes: GET /livez (the process answers) and GET /readyz (200 "
          "while the gRPC health service says SERVING, 503 while draining). HTTPS with "
          "--tls_cert_file/--tls_key_file, never asking a client certificate (for Kubernetes, "
          "whose gRPC probes cannot speak TLS). Empty: off. Env: BROKER_PROXY_HEALTH_ADDRESS.");
ABSL_FLAG(std::string, kafka_bootstrap, "",
          "Kafka bootstrap servers, HOST:PORT[,...]. Required. Env: KAFKA_BOOTSTRAP.");
ABSL_FLAG(std::string, pg_dsn, "",
          "The worker's PostgreSQL (libpq conninfo or URI), read for the offsets the worker "
          "resumes from (consumer_offsets) and sessions, written by ResetOffsets, EraseSessions "
          "and EnforceRetention. Empty: GetConsumerLag uses Kafka's committed offsets instead, "
          "and the database's RPCs are UNAVAILABLE. Env: PG_DSN.");
ABSL_FLAG(std::string, operator_token_file, "",
          "File of operator tokens, one per line as `<token> [name]` (a mounted Secret; the "
          "name, else token:<8 hex of the token's SHA-256>, is who erasures and retention runs "
          "are recorded as requested by); calls must send `authorization: Bearer <token>`. "
          "Required. Env: OPERATOR_TOKEN_FILE.");
ABSL_FLAG(absl::Duration, secrets_reload_interval, absl::Seconds(10),
          "How often --operator_token_file is checked for a change (a rotated Secret): a "
          "revoked token is refused and a new one works within this long, without a restart; a "
          "file that does not parse keeps the tokens in force (logged). 0: read at start only.");
ABSL_FLAG(std::string, topic, "ingest.tasks",
          "Default ingest topic of requests that name none. Env: KAFKA_TOPIC.");
ABSL_FLAG(std::string, group, "ingest-workers",
          "Default consumer group of GetConsumerLag. Env: WORKER_GROUP_ID.");
ABSL_FLAG(int, partitions, 8, "EnsureTopics default: partitions of a new topic.");
ABSL_FLAG(int, replication_factor, 1,
          "EnsureTopics default: replication factor of a new topic (3 in production).");
ABSL_FLAG(int, min_insync_replicas, 1,
          "EnsureTopics default: min.insync.replicas of a new topic (2 in production).");
ABSL_FLAG(int64_t, retention_ms, 7LL * 24 * 3600 * 1000,
          "EnsureTopics default: retention.ms of a new topic (-1 = forever).");
ABSL_FLAG(int64_t, max_message_bytes, 16 << 20,
          "EnsureTopics default: max.message.bytes of a new topic (the gateway's "
          "--max_record_bytes).");
ABSL_FLAG(absl::Duration, retention_floor, absl::Hours(24),
          "Safety rule: a topic's retention.ms may not be shorter (-1 = forever passes).");
ABSL_FLAG(int64_t, min_max_message_bytes, (8 << 20) + (64 << 10),
          "Safety rule: a topic's max.message.bytes may not be smaller: the gateway's largest "
          "record, a unary payload (--max_payload_bytes, 8 MiB) plus 64 KiB of envelope.");
ABSL_FLAG(int, min_replication_factor, 1,
          "Safety rule: a topic's replication factor may not be smaller (3 in production).");
ABSL_FLAG(absl::Duration, admin_timeout, absl::Seconds(10),
          "Bound on each Kafka admin request and database query; past it calls answer "
          "UNAVAILABLE.");
ABSL_FLAG(std::string, admin_api, "full",
          "What the Kafka cluster answers: full, or basic (metadata, offsets and fetches only, "
          "like librdkafka 2.0's mock; ./dev up --kafka=mock sets it). With basic, broker-proxy "
          "never sends CreateTopics, DescribeConfigs or DescribeGroups (the mock leaves them "
          "unanswered, which stalls later requests): topics are described without configs, "
          "lag without owners, and EnsureTopics and ResetOffsets refuse.");
ABSL_FLAG(absl::Duration, redrive_timeout, absl::Minutes(5),
          "Bound on one RedriveSession or ReplaySession (reading the DLQ or the ingest topic "
          "and producing), shortened to the caller's deadline; past it the call answers "
          "UNAVAILABLE saying how far it got.");
ABSL_FLAG(int, legacy_retention_days, 30,
          "EnforceRetention: rows stored before retention existed (no expiry day) expire at this "
          "age, in days (1..3650).");
ABSL_FLAG(int, partition_lookahead_days, 7,
          "EnforceRetention: day partitions are created this many days ahead of each retention "
          "in use (1..365), so a missing partition never sends a day's rows to the default "
          "partition.");
ABSL_FLAG(bool, allow_retention_as_of, false,
          "EnforceRetention: accept as_of (ingestctl retention enforce --as-of=DAY), enforcing "
          "as if today were that day. For test and demo stacks only: it deletes data before its "
          "day.");
ABSL_FLAG(absl::Duration, retention_lock_timeout, absl::Seconds(2),
          "EnforceRetention: how long one partition drop may wait for its lock, i.e. the longest "
          "ingest waits behind it (1ms..1m); a drop that times out is retried with backoff, then "
          "left to the next run.");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(20),
          "On SIGTERM, how long in-flight calls get to finish.");

namespace ingest {

absl::StatusOr<BrokerProxyOptions> ParseBrokerProxyFlags(int argc, char** argv) {
  ConfigureFlagUsage(
      "Kafka's admin operations over gRPC for operators and CI (ingest.v1.BrokerProxy): "
      "provisions and checks topics, reports consumer lag, browses and redrives the DLQ, "
      "replays sessions, erases sessions and enforces retention.\n"
      "Usage: broker_proxy --kafka_bootstrap=HOST:PORT --operator_token_file=PATH "
      "[--pg_dsn=DSN] [flags]");
  // The command line, parsed below, takes precedence over the environment.
  ApplyEnvironment({{&FLAGS_grpc_address, "BROKER_PROXY_GRPC_ADDRESS"},
                    {&FLAGS_metrics_address, "BROKER_PROXY_METRICS_ADDRESS"},
                    {&FLAGS_health_address, "BROKER_PROXY_HEALTH_ADDRESS"},
                    {&FLAGS_kafka_bootstrap, "KAFKA_BOOTSTRAP"},
                    {&FLAGS_pg_dsn, "PG_DSN"},
                    {&FLAGS_operator_token_file, "OPERATOR_TOKEN_FILE"},
                    {&FLAGS_topic, "KAFKA_TOPIC"},
                    {&FLAGS_group, "WORKER_GROUP_ID"}});
  ApplyTlsEnvironment();
  absl::ParseCommandLine(argc, argv);
  RETURN_IF_ERROR(InitLoggingFromFlags("broker_proxy"));

  BrokerProxyOptions options;
  options.grpc_address = absl::GetFlag(FLAGS_grpc_address);
  options.metrics_address = absl::GetFlag(FLAGS_metrics_address);
  options.health_address = absl::GetFlag(FLAGS_health_address);
  options.kafka_bootstrap = absl::GetFlag(FLAGS_kafka_bootstrap);
  options.pg_dsn = absl::GetFlag(FLAGS_pg_dsn);
  options.operator_token_file = absl::GetFlag(FLAGS_operator_token_file);
  options.secrets_reload_interval = absl::GetFlag(FLAGS_secrets_reload_interval);
  options.admin_timeout = absl::GetFlag(FLAGS_admin_timeout);
  const std::string admin_api = absl::GetFlag(FLAGS_admin_api);
  if (admin_api != "full" && admin_api != "basic") {
    return absl::InvalidArgumentError(
        absl::StrCat("--admin_api must be full or basic, not '", admin_api, "'"));
  }
  options.full_admin_api = admin_api == "full";
  options.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
  options.redrive_timeout = absl::GetFlag(FLAGS_redrive_timeout);
  BrokerProxyCoreOptions& core = options.core;
  core.default_topic = absl::GetFlag(FLAGS_topic);
  core.default_group = absl::GetFlag(FLAGS_group);
  core.partitions = absl::GetFlag(FLAGS_partitions);
  core.replication_factor = absl::GetFlag(FLAGS_replication_factor);
  core.min_insync_replicas = absl::GetFlag(FLAGS_min_insync_replicas);
  core.retention_ms = absl::GetFlag(FLAGS_retention_ms);
  core.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  core.policy.retention_floor = absl::GetFlag(FLAGS_retention_floor);
  core.policy.min_max_message_bytes = absl::GetFlag(FLAGS_min_max_message_bytes);
  core.policy.min_replication_factor = absl::GetFlag(FLAGS_min_replication_factor);
  options.retention.legacy_retention_days = absl::GetFlag(FLAGS_legacy_retention_days);
  options.retention.lookahead_days = absl::GetFlag(FLAGS_partition_lookahead_days);
  options.retention.lock_timeout = absl::GetFlag(FLAGS_retention_lock_timeout);
  options.retention.allow_as_of = absl::GetFlag(FLAGS_allow_retention_as_of);
  ASSIGN_OR_RETURN(options.tls, TlsFilesFromFlags());
  return options;
}

}  // namespace ingest
