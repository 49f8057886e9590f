#include "tools/chaos/options.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "tools/loadgen/payload_factory.h"

namespace ingest::chaos {
namespace {
// Beyond these a run is a typo, not a fault test.
constexpr int kMaxSessions = 1000;
constexpr size_t kMaxUnaryBytes = 4u << 20;  // the gateway's unary limit is 8 MiB
constexpr size_t kMaxStreamBytes = 256u << 20;

template <typename... Parts>
absl::Status Invalid(const Parts&... parts) {
  return absl::InvalidArgumentError(absl::StrCat(parts...));
}
}  // namespace

absl::Status ValidateHostPort(const std::string& address) {
  const size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(absl::string_view(address).substr(colon + 1), &port) ||
      port < 1 || port > 65535) {
    return Invalid("--gateways: '", address, "' is not HOST:PORT");
  }
  return absl::OkStatus();
}

absl::Status ValidateOptions(const ChaosOptions& o) {
  if (o.name.empty() || o.name.find_first_of(" \t\n") != std::string::npos) {
    return Invalid("--name is required, one word (e.g. pg-lock); got '",
                   o.name, "'");
  }
  if (o.gateways.empty()) {
    return Invalid("--gateways=HOST:PORT[,HOST:PORT...] is required "
                   "(GATEWAY_ADDR in .local/endpoints.env)");
  }
  for (const std::string& gateway : o.gateways) {
    if (absl::Status status = ValidateHostPort(gateway); !status.ok()) {
      return status;
    }
  }
  if (o.api_key.empty()) {
    return Invalid("--api_key (or $INGEST_API_KEY) is required (API_KEY in "
                   ".local/endpoints.env)");
  }
  if (o.project_id.empty()) return Invalid("--project must not be empty");
  if (o.pg_dsn.empty()) return Invalid("--pg_dsn is required");
  if (o.kafka_bootstrap.empty()) return Invalid("--kafka_bootstrap is required");
  if (o.topic.empty()) return Invalid("--topic must not be empty");
  if (o.sessions < 1 || o.sessions > kMaxSessions) {
    return Invalid("--sessions must be in [1, ", kMaxSessions, "]; got ",
                   o.sessions);
  }
  if (o.duration <= absl::ZeroDuration()) {
    return Invalid("--duration must be positive");
  }
  if (o.payload_interval < absl::ZeroDuration()) {
    return Invalid("--payload_interval must not be negative");
  }
  if (o.payloads_per_session < 1) {
    return Invalid("--payloads_per_session must be at least 1; got ",
                   o.payloads_per_session);
  }
  if (o.min_payload_bytes < loadgen::PayloadFactory::kMinSupportedBytes) {
    return Invalid("--min_payload_bytes must be at least ",
                   loadgen::PayloadFactory::kMinSupportedBytes, "; got ",
                   o.min_payload_bytes);
  }
  if (o.max_payload_bytes < o.min_payload_bytes ||
      o.max_payload_bytes > kMaxUnaryBytes) {
    return Invalid("--max_payload_bytes must be in [--min_payload_bytes, ",
                   kMaxUnaryBytes, "]; got ", o.max_payload_bytes);
  }
  if (o.stream_every < 0) {
    return Invalid("--stream_every must be >= 0 (0 = never); got ",
                   o.stream_every);
  }
  if (o.stream_every > 0 &&
      (o.stream_bytes < loadgen::PayloadFactory::kMinSupportedBytes ||
       o.stream_bytes > kMaxStreamBytes)) {
    return Invalid("--stream_bytes must be in [",
                   loadgen::PayloadFactory::kMinSupportedBytes, ", ",
                   kMaxStreamBytes, "]; got ", o.stream_bytes);
  }
  if (o.stream_every > 0 && o.stream_bytes <= o.max_payload_bytes) {
    return Invalid("--stream_bytes must be above --max_payload_bytes (", o.max_payload_bytes,
                   "): the SDK streams the payloads above that size; got ", o.stream_bytes);
  }
  if (o.call_timeout <= absl::ZeroDuration()) {
    return Invalid("--call_timeout must be positive");
  }
  if (o.give_up_after <= absl::ZeroDuration()) {
    return Invalid("--give_up_after must be positive");
  }
  if (o.marks_file.empty()) {
    return Invalid("--marks_file is required (the orchestrator writes "
                   "fault_start/fault_end lines there)");
  }
  if (o.drain_timeout < absl::ZeroDuration()) {
    return Invalid("--drain_timeout must not be negative");
  }
  if (o.lag_floor < 0) {
    return Invalid("--lag_floor must not be negative; got ", o.lag_floor);
  }
  return absl::OkStatus();
}

client::ClientOptions ClientOptionsFor(const ChaosOptions& o) {
  client::ClientOptions sdk;
  sdk.targets = o.gateways;
  sdk.api_key = o.api_key;
  sdk.call_deadline = o.call_timeout;
  sdk.stream_deadline = o.call_timeout;
  sdk.retry = {.initial_backoff = absl::Milliseconds(100),
               .max_backoff = absl::Seconds(2),
               .max_attempts = 0,
               .max_elapsed = o.give_up_after};
  sdk.stream_threshold_bytes = static_cast<int64_t>(o.max_payload_bytes);
  return sdk;
}

}  // namespace ingest::chaos
