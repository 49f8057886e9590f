#include "tools/loadgen/options.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tools/loadgen/payload_factory.h"

namespace ingest::loadgen {
namespace {
// Beyond this a run is a typo, not a load test.
constexpr int kMaxSessions = 100'000;
constexpr int kMaxPayloadsPerSession = 1'000'000;
constexpr size_t kMaxPayloadBytes = 256u * 1024 * 1024;
}  // namespace

int LoadgenOptions::EffectiveConcurrency() const {
  const int wanted = concurrency == 0 ? sessions : concurrency;
  return std::max(1, std::min(wanted, sessions));
}

absl::Status ValidateOptions(const LoadgenOptions& o) {
  auto invalid = [](auto&&... parts) {
    return absl::InvalidArgumentError(absl::StrCat(parts...));
  };
  if (o.gateway.empty() || !absl::StrContains(o.gateway, ':')) {
    return invalid("--gateway=HOST:PORT is required (GATEWAY_ADDR in "
                   ".local/endpoints.env after ./dev up); got '",
                   o.gateway, "'");
  }
  if (o.pg_dsn.empty()) {
    return invalid("--pg_dsn is required (PG_DSN in .local/endpoints.env "
                   "after ./dev up)");
  }
  if (o.project_id.empty()) return invalid("--project must not be empty");
  if (o.sessions < 1 || o.sessions > kMaxSessions) {
    return invalid("--sessions must be in [1, ", kMaxSessions, "]; got ",
                   o.sessions);
  }
  if (o.payloads_per_session < 1 ||
      o.payloads_per_session > kMaxPayloadsPerSession) {
    return invalid("--payloads must be in [1, ", kMaxPayloadsPerSession,
                   "]; got ", o.payloads_per_session);
  }
  if (o.min_payload_bytes < PayloadFactory::kMinSupportedBytes) {
    return invalid("--min_payload_bytes must be at least ",
                   PayloadFactory::kMinSupportedBytes, "; got ",
                   o.min_payload_bytes);
  }
  if (o.max_payload_bytes < o.min_payload_bytes ||
      o.max_payload_bytes > kMaxPayloadBytes) {
    return invalid("--max_payload_bytes must be in [--min_payload_bytes, ",
                   kMaxPayloadBytes, "]; got ", o.max_payload_bytes);
  }
  if (o.concurrency < 0) {
    return invalid("--concurrency must be >= 0 (0 = --sessions); got ",
                   o.concurrency);
  }
  if (o.call_timeout <= absl::ZeroDuration()) {
    return invalid("--call_timeout must be positive");
  }
  if (o.max_attempts < 1) {
    return invalid("--max_attempts must be >= 1; got ", o.max_attempts);
  }
  if (o.verify_timeout < absl::ZeroDuration()) {
    return invalid("--verify_timeout must not be negative");
  }
  if (o.completion_timeout < absl::ZeroDuration()) {
    return invalid("--completion_timeout must not be negative (0 disables the check)");
  }
  if (o.label.empty() || absl::StrContains(o.label, ' ')) {
    return invalid("--label must be one non-empty word; got '", o.label, "'");
  }
  return absl::OkStatus();
}

client::ClientOptions ClientOptionsFor(const LoadgenOptions& options) {
  client::ClientOptions sdk;
  sdk.targets = {options.gateway};
  sdk.api_key = options.api_key;
  sdk.call_deadline = options.call_timeout;
  sdk.retry = {.initial_backoff = absl::Milliseconds(100),
               .max_backoff = absl::Seconds(5),
               .max_attempts = options.max_attempts,
               .max_elapsed = absl::InfiniteDuration()};
  return sdk;
}

}  // namespace ingest::loadgen
