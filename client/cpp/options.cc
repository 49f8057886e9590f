#include "client/cpp/options.h"

#include "absl/strings/str_cat.h"

namespace ingest::client {

absl::Status ValidateClientOptions(const ClientOptions& options) {
  if (options.targets.empty()) {
    return absl::InvalidArgumentError("ClientOptions.targets is empty: give the gateway's HOST:PORT");
  }
  for (const std::string& target : options.targets) {
    if (target.empty()) return absl::InvalidArgumentError("ClientOptions.targets has an empty entry");
  }
  if (options.api_key.empty()) {
    return absl::InvalidArgumentError(
        "ClientOptions.api_key is empty: every call needs the project's API key");
  }
  if (options.channels_per_target < 1) {
    return absl::InvalidArgumentError("ClientOptions.channels_per_target must be at least 1");
  }
  if (options.call_deadline <= absl::ZeroDuration() ||
      options.stream_deadline <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "ClientOptions.call_deadline and stream_deadline must be positive");
  }
  if (options.max_reconnect_backoff <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("ClientOptions.max_reconnect_backoff must be positive");
  }
  if (options.stream_threshold_bytes < 0) {
    return absl::InvalidArgumentError(
        "ClientOptions.stream_threshold_bytes must be 0 (stream everything) or more");
  }
  if (options.stream_chunk_bytes < 1) {
    return absl::InvalidArgumentError("ClientOptions.stream_chunk_bytes must be positive");
  }
  if (options.async_budget_bytes < 1 || options.max_async_calls < 1) {
    return absl::InvalidArgumentError(
        "ClientOptions.async_budget_bytes and max_async_calls must be positive: the async "
        "budget bounds memory, it cannot be switched off");
  }
  if (absl::Status retry = RetryPolicy::Validate(options.retry); !retry.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("ClientOptions.retry: ", retry.message()));
  }
  return absl::OkStatus();
}

}  // namespace ingest::client
