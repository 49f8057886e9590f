#include "tools/chaos/options.h"

#include <cstdio>
#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "bench/common/client_tls_flags.h"
#include "services/common/flags/cli.h"
#include "services/common/status/status_macros.h"
#include "tools/loadgen/payload_factory.h"

namespace ingest::chaos {
namespace {

// Beyond these a run is a typo, not a fault test.
constexpr int kMaxSessions = 1000;
constexpr int64_t kMaxUnaryBytes = 4 << 20;  // the gateway's unary limit is 8 MiB
constexpr int64_t kMaxStreamBytes = 256 << 20;
constexpr int64_t kMinBytes = loadgen::PayloadFactory::kMinSupportedBytes;

template <typename... Parts>
absl::Status Invalid(const Parts&... parts) {
  return absl::InvalidArgumentError(absl::StrCat(parts...));
}

absl::Status ValidateHostPort(const std::string& address) {
  const size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(absl::string_view(address).substr(colon + 1), &port) || port < 1 ||
      port > 65535) {
    return Invalid("--gateways: '", address, "' is not HOST:PORT");
  }
  return absl::OkStatus();
}

// What the flags' types and checks cannot say.
absl::Status Validate(const ChaosOptions& o) {
  if (o.name.empty() || o.name.find_first_of(" \t\n") != std::string::npos) {
    return Invalid("--name is required, one word (e.g. pg-lock); got '", o.name, "'");
  }
  for (const std::string& gateway : o.gateways) RETURN_IF_ERROR(ValidateHostPort(gateway));
  if (o.api_key.empty()) {
    return Invalid("--api_key (or $INGEST_API_KEY) is required (API_KEY in .local/endpoints.env)");
  }
  if (o.project_id.empty()) return Invalid("--project must not be empty");
  if (o.pg_dsn.empty()) return Invalid("--pg_dsn is required");
  if (o.kafka_bootstrap.empty()) return Invalid("--kafka_bootstrap is required");
  if (o.topic.empty()) return Invalid("--topic must not be empty");
  if (o.duration <= absl::ZeroDuration()) return Invalid("--duration must be positive");
  if (o.max_payload_bytes < o.min_payload_bytes || o.max_payload_bytes > kMaxUnaryBytes) {
    return Invalid("--max_payload_bytes must be in [--min_payload_bytes, ", kMaxUnaryBytes,
                   "]; got ", o.max_payload_bytes);
  }
  if (o.stream_every > 0 && (o.stream_bytes < kMinBytes || o.stream_bytes > kMaxStreamBytes)) {
    return Invalid("--stream_bytes must be in [", kMinBytes, ", ", kMaxStreamBytes, "]; got ",
                   o.stream_bytes);
  }
  if (o.stream_every > 0 && o.stream_bytes <= o.max_payload_bytes) {
    return Invalid("--stream_bytes must be above --max_payload_bytes (", o.max_payload_bytes,
                   "): the SDK streams the payloads above that size; got ", o.stream_bytes);
  }
  if (o.call_timeout <= absl::ZeroDuration()) return Invalid("--call_timeout must be positive");
  if (o.give_up_after <= absl::ZeroDuration()) {
    return Invalid("--give_up_after must be positive");
  }
  if (o.marks_file.empty()) return Invalid("--marks_file must not be empty");
  return absl::OkStatus();
}

void AddFlags(CLI::App& app, ChaosOptions& o) {
  app.add_option("--name", o.name,
                 "Scenario name (e.g. pg-lock): the first word of every output line. Required.");
  app.add_option("--gateways", o.gateways,
                 "HOST:PORT[,HOST:PORT...] of the gateways' gRPC endpoints. Session thread i's "
                 "SDK clients list them from gateway i % n on, so the threads start spread over "
                 "them; the SDK moves a call (and the client's later calls) to the next one on "
                 "UNAVAILABLE (GATEWAY_ADDR in .local/endpoints.env).")
      ->delimiter(',')
      ->required();
  app.add_option("--api_key", o.api_key,
                 "Project API key, sent as `authorization: Bearer KEY` (default: "
                 "$INGEST_API_KEY).");
  bench::AddClientTlsFlags(app, o.tls);
  app.add_option("--project", o.project_id, "project_id sent in InitializeSession.")
      ->capture_default_str();
  app.add_option("--pg_dsn", o.pg_dsn,
                 "libpq connection string of the worker's PostgreSQL: lag (consumer_offsets) and "
                 "the final verification. Required.");
  app.add_option("--kafka_bootstrap", o.kafka_bootstrap,
                 "Kafka bootstrap servers, for the topic's high watermarks. Required.");
  app.add_option("--topic", o.topic, "The ingest topic whose lag is sampled.")
      ->capture_default_str();
  app.add_option("--sessions", o.sessions, "Concurrent session threads.")
      ->check(CLI::Range(1, kMaxSessions))
      ->capture_default_str();
  cli::AddDuration(app, "--duration", o.duration,
                   "How long to generate load, e.g. 90s. Calls in flight at the end still finish "
                   "(with their retries).");
  cli::AddDuration(app, "--payload_interval", o.payload_interval,
                   "Pause between one session's consecutive payloads.");
  app.add_option("--payloads_per_session", o.payloads_per_session,
                 "After this many payloads a thread starts a new session.")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--min_payload_bytes", o.min_payload_bytes,
                 "Smallest serialized unary PayloadContent, in bytes.")
      ->check(CLI::Range(kMinBytes, kMaxUnaryBytes))
      ->capture_default_str();
  app.add_option("--max_payload_bytes", o.max_payload_bytes,
                 "Largest serialized unary PayloadContent, in bytes; sizes are log-uniform in "
                 "between.")
      ->capture_default_str();
  app.add_option("--stream_every", o.stream_every,
                 "Every Nth payload of a session is --stream_bytes large, which the SDK sends "
                 "with PushPayloadStream (its threshold is --max_payload_bytes); 0 = never.")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--stream_bytes", o.stream_bytes,
                 "Size of each streamed payload, in bytes (above --max_payload_bytes).")
      ->capture_default_str();
  cli::AddDuration(app, "--call_timeout", o.call_timeout,
                   "Deadline of each call attempt, unary or stream (the SDK's call_deadline and "
                   "stream_deadline).");
  cli::AddDuration(app, "--give_up_after", o.give_up_after,
                   "The SDK retries a call (same payload_id, same bytes, backoff 100ms capped at "
                   "2s with full jitter, no attempt limit) until this long after its first "
                   "attempt (its retry.max_elapsed); then it is logged and skipped.");
  app.add_option("--seed", o.seed, "Seed for payload sizes and contents.")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--marks_file", o.marks_file,
                 "File the orchestrator writes `fault_start <unix_ms>` and `fault_end <unix_ms>` "
                 "lines to; read after the drain.")
      ->required();
  cli::AddDuration(app, "--drain_timeout", o.drain_timeout,
                   "After the load, how long to wait for the lag to reach 0 before verifying.");
  app.add_option("--lag_floor", o.lag_floor,
                 "Recovery means lag <= max(pre-fault baseline, this) again.")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_flag("--expect_gateway_unaffected,!--noexpect_gateway_unaffected",
               o.expect_gateway_unaffected,
               "Check: no failed attempt during the faults and during-fault p99 <= max(3 x before "
               "p99, before p99 + 100ms) (database faults).");
  app.add_flag("--expect_no_ok_during_fault,!--noexpect_no_ok_during_fault",
               o.expect_no_ok_during_fault,
               "Check: every attempt that ended within [fault_start + 2s, fault_end] failed (at "
               "least one did), and every attempt ended within call_timeout + 2s (Kafka down).");
  app.add_option("--timeline_out", o.timeline_out,
                 "If set, write one JSON line per second of the run here.");
  app.add_option("--ledger_out", o.ledger_out,
                 "If set, write the ledger of acknowledged payloads here as TSV.");
}

}  // namespace

std::optional<int> ParseChaosOptions(int argc, char** argv, ChaosOptions& options) {
  CLI::App app(
      "Drives SDK-like load through the gateways while a fault is injected, samples "
      "Kafka->PostgreSQL lag, then verifies every acknowledged payload landed once, in order, "
      "byte-identical.\n"
      "Usage: chaos_load --name=SCENARIO --gateways=HOST:PORT[,...] --pg_dsn=DSN "
      "--kafka_bootstrap=HOST:PORT --marks_file=PATH [flags]\n"
      "Exit code: 0 every check held, 1 a check failed (or marks missing), 2 usage error or "
      "stack unreachable.",
      "chaos_load");
  AddFlags(app, options);
  if (std::optional<int> exit = cli::Parse(app, argc, argv)) return exit;
  if (options.api_key.empty()) {
    if (const char* key = std::getenv("INGEST_API_KEY")) options.api_key = key;
  }
  if (absl::Status status = Validate(options); !status.ok()) {
    std::fprintf(stderr, "chaos_load: %s (see --help)\n", std::string(status.message()).c_str());
    return cli::kExitUsage;
  }
  return std::nullopt;
}

client::ClientOptions ClientOptionsFor(const ChaosOptions& o) {
  client::ClientOptions sdk;
  sdk.targets = o.gateways;
  sdk.api_key = o.api_key;
  sdk.tls = o.tls;
  sdk.call_deadline = o.call_timeout;
  sdk.stream_deadline = o.call_timeout;
  sdk.retry = {.initial_backoff = absl::Milliseconds(100),
               .max_backoff = absl::Seconds(2),
               .max_attempts = 0,
               .max_elapsed = o.give_up_after};
  sdk.stream_threshold_bytes = o.max_payload_bytes;
  return sdk;
}

}  // namespace ingest::chaos
