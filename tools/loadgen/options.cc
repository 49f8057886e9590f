#include "tools/loadgen/options.h"

#include <algorithm>

namespace ingest::loadgen {

int LoadgenOptions::EffectiveConcurrency() const {
  const int wanted = concurrency == 0 ? sessions : concurrency;
  return std::max(1, std::min(wanted, sessions));
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
  sdk.tls = {.ca_file = options.tls_ca_file,
             .cert_file = options.tls_cert_file,
             .key_file = options.tls_key_file};
  return sdk;
}

}  // namespace ingest::loadgen
