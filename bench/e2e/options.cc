#include "bench/e2e/options.h"

#include "absl/strings/str_cat.h"

namespace ingest::bench_e2e {
namespace {

// The gateway refuses unary PushPayload requests above 8 MB.
constexpr int64_t kMaxUnaryBytes = int64_t{8} << 20;
// PayloadFactory's smallest body.
constexpr int64_t kMinPayloadBytes = 1024;
constexpr int kMaxWorkers = 16;

void Default(absl::Duration& value, absl::Duration normal, absl::Duration quick, bool is_quick) {
  if (value == absl::ZeroDuration()) value = is_quick ? quick : normal;
}

absl::Status Invalid(absl::string_view flag, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", problem));
}

}  // namespace

absl::StatusOr<Mode> ParseMode(absl::string_view text) {
  if (text == "e2e") return Mode::kE2e;
  if (text == "failover") return Mode::kFailover;
  if (text == "sizes") return Mode::kSizes;
  return absl::InvalidArgumentError(
      absl::StrCat("--mode: expected e2e, failover or sizes, not \"", text, "\""));
}

absl::string_view ModeName(Mode mode) {
  switch (mode) {
    case Mode::kE2e:
      return "e2e";
    case Mode::kFailover:
      return "failover";
    case Mode::kSizes:
      return "sizes";
  }
  return "?";
}

void ApplyDefaults(E2eOptions& options) {
  const bool quick = options.quick;
  if (options.pool_bytes == 0) options.pool_bytes = quick ? int64_t{4} << 20 : int64_t{32} << 20;
  if (options.mode == Mode::kSizes) {
    Default(options.window, absl::Seconds(10), absl::Milliseconds(1500), quick);
    Default(options.warmup, absl::Seconds(3), absl::Milliseconds(500), quick);
  } else {
    Default(options.window, absl::Seconds(60), absl::Seconds(8), quick);
    Default(options.warmup, absl::Seconds(10), absl::Seconds(3), quick);
  }
  if (options.max_steps == 0) options.max_steps = quick ? 2 : 10;
  Default(options.settle_timeout, absl::Seconds(120), absl::Seconds(30), quick);
  Default(options.session_timeout, absl::Seconds(10), absl::Seconds(6), quick);
  Default(options.settle, absl::Seconds(10), absl::Seconds(4), quick);
  if (options.takeover_timeout == absl::ZeroDuration()) {
    options.takeover_timeout = 4 * options.session_timeout + absl::Seconds(30);
  }
  Default(options.drain_timeout, absl::Seconds(300), absl::Seconds(90), quick);
  if (options.big_stream_bytes < 0) {
    options.big_stream_bytes = quick ? int64_t{16} << 20 : int64_t{100} << 20;
  }
}

bool NeedsWorkers(const E2eOptions& options) {
  return options.mode != Mode::kSizes || options.big_stream_bytes > 0;
}

absl::Status ValidateOptions(const E2eOptions& options) {
  if (options.gateway_address.empty()) return Invalid("gateway", "required (HOST:PORT)");
  if (options.api_key.empty()) return Invalid("api_key", "required (or $INGEST_API_KEY)");
  if (options.project_id.empty()) return Invalid("project", "must not be empty");
  if (options.channels < 1) return Invalid("channels", "must be at least 1");
  const bool needs_workers = NeedsWorkers(options);
  if (needs_workers) {
    if (options.kafka_bootstrap.empty()) return Invalid("kafka_bootstrap", "required");
    if (options.topic.empty()) return Invalid("topic", "must not be empty");
    if (options.pg_dsn.empty()) return Invalid("pg_dsn", "required");
    if (options.worker_command.empty()) {
      return absl::InvalidArgumentError(
          "the worker's command line is required after `--` (e.g. -- bazel-bin/services/worker/"
          "worker --kafka_bootstrap=... --pg_dsn=...)");
    }
  } else if (!options.worker_command.empty()) {
    return absl::InvalidArgumentError(
        "a worker command after `--` but this run starts no worker (--big_stream_bytes=0)");
  }
  for (const int pid : {options.gateway_pid, options.kafka_pid, options.pg_pid}) {
    if (pid < 0) return absl::InvalidArgumentError("pids must not be negative");
  }
  if (options.worker_ready_timeout <= absl::ZeroDuration() ||
      options.call_timeout <= absl::ZeroDuration() ||
      options.give_up_after <= absl::ZeroDuration() ||
      options.drain_timeout <= absl::ZeroDuration() ||
      options.settle_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("timeouts must be positive");
  }

  switch (options.mode) {
    case Mode::kE2e:
      if (!(options.gateway_max_msgs_per_s > 0)) {
        return Invalid("gateway_max_msgs_per_s",
                       "required: the gateway's maximum at --size (gateway_bench)");
      }
      if (!(options.worker_max_msgs_per_s > 0)) {
        return Invalid("worker_max_msgs_per_s",
                       "required: the worker's maximum at --size (worker_bench)");
      }
      if (options.workers < 1 || options.workers > kMaxWorkers) {
        return Invalid("workers", absl::StrCat("must be in [1, ", kMaxWorkers, "]"));
      }
      if (options.max_steps < 1) return Invalid("max_steps", "must be at least 1");
      if (options.raw_copy_msgs_per_s < 0) {
        return Invalid("raw_copy_msgs_per_s", "must not be negative (0 = not measured)");
      }
      if (options.window <= absl::ZeroDuration()) return Invalid("window", "must be positive");
      if (options.warmup < absl::ZeroDuration()) return Invalid("warmup", "must not be negative");
      break;
    case Mode::kFailover:
      if (!(options.rate_per_s > 0)) return Invalid("rate", "must be positive");
      if (options.session_timeout < absl::Seconds(1)) {
        return Invalid("session_timeout", "must be at least 1s (brokers default to 6s at least)");
      }
      if (options.heartbeat_interval <= absl::ZeroDuration() ||
          options.heartbeat_interval >= options.session_timeout) {
        return Invalid("heartbeat_interval", "must be positive and below --session_timeout");
      }
      if (options.settle < absl::ZeroDuration()) return Invalid("settle", "must not be negative");
      if (options.takeover_timeout <= options.session_timeout) {
        return Invalid("takeover_timeout", "must exceed --session_timeout");
      }
      break;
    case Mode::kSizes:
      if (options.sizes.empty()) return Invalid("sizes", "at least one size");
      for (const int64_t size : options.sizes) {
        if (size < kMinPayloadBytes) return Invalid("sizes", "each at least 1KB");
      }
      if (options.stream_lanes < 1) return Invalid("stream_lanes", "must be at least 1");
      if (options.stream_chunk_bytes < 1) return Invalid("stream_chunk", "must be positive");
      if (options.window <= absl::ZeroDuration()) return Invalid("window", "must be positive");
      if (options.warmup < absl::ZeroDuration()) return Invalid("warmup", "must not be negative");
      if (options.big_stream_bytes != 0 && options.big_stream_bytes < kMinPayloadBytes) {
        return Invalid("big_stream_bytes", "0 (skipped) or at least 1KB");
      }
      if (options.rss_interval <= absl::ZeroDuration()) {
        return Invalid("rss_interval", "must be positive");
      }
      break;
  }
  if (options.mode != Mode::kSizes) {
    if (options.size_bytes < kMinPayloadBytes || options.size_bytes > kMaxUnaryBytes) {
      return Invalid("size", "must be in [1KB, 8MB] (sent with the unary PushPayload)");
    }
    if (options.lanes < 1) return Invalid("lanes", "must be at least 1");
    if (options.pool_bytes < options.size_bytes) {
      return Invalid("pool_bytes", "must hold at least one payload of --size");
    }
  }
  return absl::OkStatus();
}

}  // namespace ingest::bench_e2e
