#include "bench/gateway/options.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "bench/common/http_get.h"

namespace ingest::bench {
namespace {

int LanesFor(int64_t budget_bytes, int64_t size, int low, int high) {
  const int64_t lanes = budget_bytes / std::max<int64_t>(size, 1);
  return static_cast<int>(std::clamp<int64_t>(lanes, low, high));
}

}  // namespace

void ApplyQuick(BenchOptions& options) {
  options.quick = true;
  options.runs = 1;
  options.warmup = absl::Milliseconds(500);
  options.window = absl::Milliseconds(1500);
  options.latency_warmup = absl::Milliseconds(300);
  options.latency_window = absl::Milliseconds(1500);
  options.drain_timeout = absl::Seconds(10);
  options.pool_bytes = int64_t{4} << 20;
  options.stream_bytes = int64_t{16} << 20;
}

absl::Status ValidateOptions(const BenchOptions& options) {
  if (options.gateway_address.empty()) return absl::InvalidArgumentError("--gateway is required");
  if (options.api_key.empty()) {
    return absl::InvalidArgumentError("--api_key (or $INGEST_API_KEY) is required");
  }
  if (options.kafka_bootstrap.empty()) {
    return absl::InvalidArgumentError("--kafka_bootstrap is required");
  }
  if (options.topic.empty()) return absl::InvalidArgumentError("--topic must not be empty");
  if (options.sizes.empty()) return absl::InvalidArgumentError("--sizes needs at least one size");
  for (const int64_t size : options.sizes) {
    if (size < 1024 || size > (int64_t{8} << 20)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--sizes: ", size, " bytes is outside [1KB, 8MB] (the unary limit)"));
    }
  }
  for (const absl::Duration d : {options.window, options.latency_window, options.drain_timeout,
                                 options.call_timeout, options.stream_timeout,
                                 options.give_up_after, options.rss_interval,
                                 options.metrics_timeout}) {
    if (d <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError("windows, timeouts and intervals must be positive");
    }
  }
  if (options.warmup < absl::ZeroDuration() || options.latency_warmup < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("warm-ups must not be negative");
  }
  if (options.raw_lanes < 0 || options.gateway_lanes < 0 || options.channels < 1) {
    return absl::InvalidArgumentError(
        "--raw_lanes and --gateway_lanes must be >= 0 (0 = by size), --channels >= 1");
  }
  if (options.gateway_pid < 0 || options.kafka_pid < 0) {
    return absl::InvalidArgumentError("--gateway_pid and --kafka_pid must be >= 0");
  }
  if (!options.gateway_metrics_url.empty()) {
    if (absl::Status url = ParseHttpUrl(options.gateway_metrics_url).status(); !url.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--gateway_metrics_url: ", url.message()));
    }
  }
  if (options.runs < 1) return absl::InvalidArgumentError("--runs must be at least 1");
  if (options.pool_bytes < 1) return absl::InvalidArgumentError("--pool_bytes must be positive");
  if (options.stream_bytes != 0 && options.stream_bytes < 3) {
    return absl::InvalidArgumentError("--stream_bytes must be 0 (no memory phase) or >= 3");
  }
  if (options.stream_bytes != 0 && options.stream_bytes <= StreamThresholdBytes(options)) {
    return absl::InvalidArgumentError(
        "--stream_bytes must be larger than every --sizes (those are sent unary, it is streamed)");
  }
  if (options.stream_chunk_bytes < 1) {
    return absl::InvalidArgumentError("--stream_chunk must be positive");
  }
  return absl::OkStatus();
}

int RawLanesFor(const BenchOptions& options, int64_t size) {
  if (options.raw_lanes > 0) return options.raw_lanes;
  return LanesFor(int64_t{128} << 20, size, 64, 8192);
}

int GatewayLanesFor(const BenchOptions& options, int64_t size) {
  if (options.gateway_lanes > 0) return options.gateway_lanes;
  return LanesFor(int64_t{64} << 20, size, 32, 256);
}

int SessionsNeeded(const BenchOptions& options) {
  int sessions = 1;
  for (const int64_t size : options.sizes) {
    sessions = std::max(sessions, GatewayLanesFor(options, size));
  }
  return sessions;
}

int64_t StreamThresholdBytes(const BenchOptions& options) {
  return *std::max_element(options.sizes.begin(), options.sizes.end());
}

absl::Duration PlannedPhaseTime(const BenchOptions& options) {
  const absl::Duration per_size = 2 * options.runs * (options.warmup + options.window) +
                                  2 * (options.latency_warmup + options.latency_window);
  return per_size * static_cast<int64_t>(options.sizes.size());
}

}  // namespace ingest::bench
