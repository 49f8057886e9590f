#include "services/gateway/flags.h"

#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/time.h"
#include "services/common/flags/common_flags.h"
#include "services/common/flags/usage.h"
#include "services/common/logging/log.h"
#include "services/common/payload/stored_form.h"
#include "services/common/server/tls_flags.h"
#include "services/common/status/status_macros.h"
#include "services/gateway/auth/api_key_store.h"

ABSL_FLAG(std::string, grpc_address, "127.0.0.1:8080",
          "HOST:PORT the Ingest gRPC service listens on. Env: GATEWAY_GRPC_ADDRESS.");
ABSL_FLAG(std::string, metrics_address, "127.0.0.1:9101",
          "HOST:PORT for the Prometheus /metrics endpoint. Env: GATEWAY_METRICS_ADDRESS.");
ABSL_FLAG(std::string, health_address, "",
          "HOST:PORT for HTTP probes: GET /livez (the process answers) and GET /readyz (200 "
          "while the gRPC health service says SERVING, 503 while not: Kafka unreachable, "
          "draining). HTTPS with --tls_cert_file/--tls_key_file (for Kubernetes, whose gRPC "
          "probes cannot speak TLS). Empty: off. Env: GATEWAY_HEALTH_ADDRESS.");
ABSL_FLAG(std::string, kafka_bootstrap, "",
          "Kafka bootstrap servers, HOST:PORT[,...]. Required. Env: KAFKA_BOOTSTRAP.");
ABSL_FLAG(std::string, topic, "ingest.tasks", "Topic tasks are produced to. Env: KAFKA_TOPIC.");
ABSL_FLAG(std::string, api_keys_file, "",
          "File of project API keys, one `<project_id> <api_key>` per line (a mounted "
          "Secret). Required. Env: API_KEYS_FILE.");
ABSL_FLAG(absl::Duration, secrets_reload_interval, absl::Seconds(10),
          "How often --api_keys_file is checked for a change (a rotated Secret): a revoked key "
          "is refused and a new one works within this long, without a restart; a file that does "
          "not parse keeps the keys in force (logged). 0: read at start only.");
ABSL_FLAG(std::string, session_secret_file, "",
          "File holding the secret that signs session ids; the same on every replica. "
          "Required. Env: SESSION_SECRET_FILE.");
ABSL_FLAG(int64_t, max_inflight_bytes, int64_t{256} << 20,
          "Bytes handed to Kafka and not yet acknowledged, per replica; beyond it calls get "
          "RESOURCE_EXHAUSTED.");
ABSL_FLAG(double, project_rate_bytes_per_second, 256.0 * 1024 * 1024,
          "Per-project token bucket: sustained ingest rate in bytes per second.");
ABSL_FLAG(double, project_burst_bytes, 512.0 * 1024 * 1024,
          "Per-project token bucket: burst size in bytes.");
ABSL_FLAG(int, default_retention_days, ingest::kDefaultRetentionDays,
          "Days a project's sessions are kept (stamped on its tasks; the worker expires them), "
          "for projects whose --api_keys_file lines give no retention_days=N; 1 to 3650.");
ABSL_FLAG(int64_t, max_decompressed_bytes, int64_t{256} << 20,
          "zstd-encoded payload content may decompress to at most this many bytes (checked "
          "by bounded streaming).");
ABSL_FLAG(int64_t, max_stream_bytes, int64_t{1} << 30,
          "Largest content accepted by PushPayloadStream.");
ABSL_FLAG(int64_t, stream_chunk_bytes, 1 << 20,
          "Size of the chunk records a streamed payload is cut into.");
ABSL_FLAG(int64_t, facts_max_stream_bytes, 8 << 20,
          "Streamed payloads up to this size are held whole (one copy per stream) so their "
          "facts can be read at the end; larger ones are stored with facts that say too_large.");
ABSL_FLAG(int, stream_max_inflight_chunks, 4,
          "Chunks of one stream waiting for Kafka before the gateway stops reading it.");
ABSL_FLAG(std::string, gateway_id, "",
          "Id stamped on every task (default: host name). Env: GATEWAY_ID.");
ABSL_FLAG(absl::Duration, delivery_timeout, absl::Seconds(10),
          "How long a call waits for Kafka's acknowledgement before answering UNAVAILABLE; "
          "a call with a shorter deadline answers a little before its deadline instead.");
ABSL_FLAG(absl::Duration, linger, absl::Milliseconds(5),
          "Producer linger: how long records wait to be batched.");
ABSL_FLAG(int, kafka_producers, 2,
          "librdkafka clients; sessions are spread over them by id (a session always uses "
          "the same one), so delivery runs on that many threads.");
ABSL_FLAG(int, payload_zstd_level, ingest::kDefaultStoredZstdLevel,
          "zstd level at which the gateway compresses identity payload content, once, into "
          "the form the database stores (1 = least CPU per byte).");
ABSL_FLAG(std::string, kafka_compression, "none",
          "librdkafka compression.type of the records produced. Payload records are "
          "compressed already (by the SDK or --payload_zstd_level), so compressing them again "
          "costs CPU for nothing.");
ABSL_FLAG(absl::Duration, kafka_statistics_interval, absl::Seconds(15),
          "How often librdkafka statistics (queue depth, broker rtt, retries, errors) refresh "
          "the ingest_gateway_kafka_* metrics; 0 disables.");
ABSL_FLAG(int64_t, max_payload_bytes, 8 << 20,
          "Largest payload content accepted by the unary PushPayload.");
ABSL_FLAG(int64_t, max_receive_message_bytes, 16 << 20,
          "Largest request message of any RPC (one stream message included), checked by the "
          "gateway: over it the call is answered INVALID_ARGUMENT (PushPayload: with the hint "
          "to use PushPayloadStream).");
ABSL_FLAG(double, peer_calls_per_second, 20000,
          "Calls each client address may start per second on average, before "
          "authentication; over it RESOURCE_EXHAUSTED with retry-after (reason peer_rate). "
          "Clients behind one NAT share it: size it for the largest.");
ABSL_FLAG(double, peer_call_burst, 40000, "Burst of calls a client address may start at once.");
ABSL_FLAG(int, max_concurrent_streams, 1000,
          "Calls open at once on one connection; more wait for a slot.");
ABSL_FLAG(int, max_metadata_bytes, 16 << 10,
          "Largest metadata (headers) of a call; gRPC refuses a call over it.");
ABSL_FLAG(absl::Duration, max_connection_idle, absl::Minutes(5),
          "A connection without a call for this long is closed (GOAWAY).");
ABSL_FLAG(absl::Duration, keepalive_time, absl::Minutes(1),
          "The gateway pings an idle connection this often and closes it when no answer comes "
          "within --keepalive_timeout.");
ABSL_FLAG(absl::Duration, keepalive_timeout, absl::Seconds(20), "See --keepalive_time.");
ABSL_FLAG(absl::Duration, min_client_ping_interval, absl::Seconds(10),
          "Keepalive enforcement: a client pinging more often than this without data is "
          "disconnected (GOAWAY ENHANCE_YOUR_CALM) after two strikes.");
ABSL_FLAG(int64_t, grpc_memory_quota_bytes, int64_t{1} << 30,
          "Memory gRPC may use for connections and buffered messages. gRPC buffers a whole "
          "message before its size is checked, so this is what bounds one huge request: past "
          "it gRPC resets the connection using the most. Keep it under the pod's memory limit.");
ABSL_FLAG(int64_t, max_record_bytes, 16 << 20,
          "Largest Kafka record produced (must not exceed the broker's message.max.bytes).");
ABSL_FLAG(int64_t, max_queued_bytes, int64_t{512} << 20,
          "Bound on bytes waiting in the producer's local queue.");
ABSL_FLAG(absl::Duration, shutdown_delay, absl::ZeroDuration(),
          "On SIGTERM, health turns NOT_SERVING but calls are still served this long, so "
          "load balancers stop routing here first (in Kubernetes: a few seconds).");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(20),
          "On SIGTERM, how long in-flight calls get to finish.");

namespace ingest {

absl::StatusOr<GatewayOptions> ParseGatewayFlags(int argc, char** argv) {
  ConfigureFlagUsage(
      "Public ingest gRPC endpoint: produces each call's tasks to Kafka (acks=all) and answers "
      "only once Kafka has them.\n"
      "Usage: gateway --kafka_bootstrap=HOST:PORT [--grpc_address=HOST:PORT] [flags]");
  // The command line, parsed below, takes precedence over the environment.
  ApplyEnvironment({{&FLAGS_grpc_address, "GATEWAY_GRPC_ADDRESS"},
                    {&FLAGS_metrics_address, "GATEWAY_METRICS_ADDRESS"},
                    {&FLAGS_health_address, "GATEWAY_HEALTH_ADDRESS"},
                    {&FLAGS_kafka_bootstrap, "KAFKA_BOOTSTRAP"},
                    {&FLAGS_topic, "KAFKA_TOPIC"},
                    {&FLAGS_gateway_id, "GATEWAY_ID"},
                    {&FLAGS_api_keys_file, "API_KEYS_FILE"},
                    {&FLAGS_session_secret_file, "SESSION_SECRET_FILE"}});
  ApplyTlsEnvironment();
  absl::ParseCommandLine(argc, argv);

  RETURN_IF_ERROR(InitLoggingFromFlags("gateway"));

  GatewayOptions options;
  options.grpc_address = absl::GetFlag(FLAGS_grpc_address);
  options.metrics_address = absl::GetFlag(FLAGS_metrics_address);
  options.health_address = absl::GetFlag(FLAGS_health_address);
  options.topic = absl::GetFlag(FLAGS_topic);
  options.service.gateway_id = absl::GetFlag(FLAGS_gateway_id);
  options.api_keys_file = absl::GetFlag(FLAGS_api_keys_file);
  options.session_secret_file = absl::GetFlag(FLAGS_session_secret_file);
  options.secrets_reload_interval = absl::GetFlag(FLAGS_secrets_reload_interval);
  options.max_inflight_bytes = absl::GetFlag(FLAGS_max_inflight_bytes);
  options.project_rate.bytes_per_second = absl::GetFlag(FLAGS_project_rate_bytes_per_second);
  options.project_rate.burst_bytes = absl::GetFlag(FLAGS_project_burst_bytes);
  options.default_retention_days = absl::GetFlag(FLAGS_default_retention_days);
  options.service.limits.max_stream_bytes = absl::GetFlag(FLAGS_max_stream_bytes);
  options.service.limits.max_decompressed_bytes = absl::GetFlag(FLAGS_max_decompressed_bytes);
  options.service.stream_chunk_bytes = absl::GetFlag(FLAGS_stream_chunk_bytes);
  options.service.stream_max_inflight_chunks = absl::GetFlag(FLAGS_stream_max_inflight_chunks);
  options.service.facts_max_stream_bytes = absl::GetFlag(FLAGS_facts_max_stream_bytes);
  options.service.payload_zstd_level = absl::GetFlag(FLAGS_payload_zstd_level);
  options.grpc_memory_quota_bytes = absl::GetFlag(FLAGS_grpc_memory_quota_bytes);
  options.peer_rate.calls_per_second = absl::GetFlag(FLAGS_peer_calls_per_second);
  options.peer_rate.burst_calls = absl::GetFlag(FLAGS_peer_call_burst);
  options.connection = {.max_concurrent_streams = absl::GetFlag(FLAGS_max_concurrent_streams),
                        .max_metadata_bytes = absl::GetFlag(FLAGS_max_metadata_bytes),
                        .max_connection_idle = absl::GetFlag(FLAGS_max_connection_idle),
                        .keepalive_time = absl::GetFlag(FLAGS_keepalive_time),
                        .keepalive_timeout = absl::GetFlag(FLAGS_keepalive_timeout),
                        .min_client_ping_interval = absl::GetFlag(FLAGS_min_client_ping_interval)};
  options.producer.compression = absl::GetFlag(FLAGS_kafka_compression);
  options.producer.bootstrap_servers = absl::GetFlag(FLAGS_kafka_bootstrap);
  options.producer.delivery_timeout = absl::GetFlag(FLAGS_delivery_timeout);
  options.producer.linger = absl::GetFlag(FLAGS_linger);
  options.producer.statistics_interval = absl::GetFlag(FLAGS_kafka_statistics_interval);
  options.kafka_producers = absl::GetFlag(FLAGS_kafka_producers);
  options.producer.max_record_bytes = absl::GetFlag(FLAGS_max_record_bytes);
  options.producer.max_queued_bytes = absl::GetFlag(FLAGS_max_queued_bytes);
  options.service.limits.max_payload_bytes = absl::GetFlag(FLAGS_max_payload_bytes);
  options.service.limits.max_message_bytes = absl::GetFlag(FLAGS_max_receive_message_bytes);
  options.shutdown_delay = absl::GetFlag(FLAGS_shutdown_delay);
  options.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
  ASSIGN_OR_RETURN(options.tls, TlsFilesFromFlags());
  return options;
}

}  // namespace ingest
