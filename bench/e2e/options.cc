#include "bench/e2e/options.h"

#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "bench/common/client_tls_flags.h"
#include "bench/common/size_label.h"
#include "services/common/flags/cli.h"

namespace ingest::bench_e2e {
namespace {

// The gateway refuses unary PushPayload requests above 8 MB.
constexpr int64_t kMaxUnaryBytes = int64_t{8} << 20;
// PayloadFactory's smallest body.
constexpr int64_t kMinPayloadBytes = 1024;
constexpr int kMaxWorkers = 16;

constexpr char kDescription[] =
    "End-to-end benchmarks against a running gateway, Kafka and PostgreSQL, with workers this "
    "tool starts: the highest rate at which consumer lag stays bounded (e2e), worker failover "
    "times (failover), and large-payload throughput and memory (sizes). Normally run by "
    "`./dev bench`.";
constexpr char kFooter[] =
    "Usage: bench_e2e --mode=e2e|failover|sizes --gateway=HOST:PORT [flags] -- WORKER_BINARY "
    "[WORKER_FLAGS...]\n"
    "Each worker gets --metrics_address and --health_address appended (failover also "
    "--group_instance_id, --session_timeout, --heartbeat_interval).\n"
    "Exit status: 0 measured (targets are reported, not asserted), 1 error, 2 usage.";

absl::StatusOr<Mode> ParseMode(absl::string_view text) {
  if (text == "e2e") return Mode::kE2e;
  if (text == "failover") return Mode::kFailover;
  if (text == "sizes") return Mode::kSizes;
  return absl::InvalidArgumentError(absl::StrCat("want e2e, failover or sizes, not '", text, "'"));
}

void Default(absl::Duration& value, absl::Duration normal, absl::Duration quick, bool is_quick) {
  if (value == absl::ZeroDuration()) value = is_quick ? quick : normal;
}

absl::Status Invalid(absl::string_view flag, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", problem));
}

// Fills every 0 (or -1) left by the command line with the mode's default,
// the quick one when options.quick.
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

// After ApplyDefaults: what the flags must be together. INVALID_ARGUMENT
// naming the flag.
absl::Status ValidateOptions(const E2eOptions& options) {
  if (options.gateway_address.empty()) return Invalid("gateway", "required (HOST:PORT)");
  if (options.api_key.empty()) return Invalid("api_key", "required (or $INGEST_API_KEY)");
  if (options.project_id.empty()) return Invalid("project", "must not be empty");
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
  // The other durations are never negative (cli::AddDuration) and 0 takes
  // the mode's default.
  if (options.worker_ready_timeout == absl::ZeroDuration()) {
    return Invalid("worker_ready_timeout", "must be positive");
  }
  if (options.call_timeout == absl::ZeroDuration())
    return Invalid("call_timeout", "must be positive");

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
      break;
    case Mode::kFailover:
      if (options.session_timeout < absl::Seconds(1)) {
        return Invalid("session_timeout", "must be at least 1s (brokers default to 6s at least)");
      }
      if (options.heartbeat_interval <= absl::ZeroDuration() ||
          options.heartbeat_interval >= options.session_timeout) {
        return Invalid("heartbeat_interval", "must be positive and below --session_timeout");
      }
      if (options.takeover_timeout <= options.session_timeout) {
        return Invalid("takeover_timeout", "must exceed --session_timeout");
      }
      break;
    case Mode::kSizes:
      for (const int64_t size : options.sizes) {
        if (size < kMinPayloadBytes) return Invalid("sizes", "each at least 1KB");
      }
      if (options.big_stream_bytes != 0 && options.big_stream_bytes < kMinPayloadBytes) {
        return Invalid("big_stream_bytes", "0 (skipped) or at least 1KB");
      }
      break;
  }
  if (options.mode != Mode::kSizes) {
    if (options.size_bytes < kMinPayloadBytes || options.size_bytes > kMaxUnaryBytes) {
      return Invalid("size", "must be in [1KB, 8MB] (sent with the unary PushPayload)");
    }
    if (options.pool_bytes < options.size_bytes) {
      return Invalid("pool_bytes", "must hold at least one payload of --size");
    }
  }
  return absl::OkStatus();
}

void AddFlags(CLI::App& app, E2eOptions& o) {
  cli::AddParsed<Mode>(app, "--mode", o.mode, ParseMode, "e2e|failover|sizes", "",
                       "What to measure.")
      ->required();
  app.add_option("--gateway", o.gateway_address, "HOST:PORT of the gateway. Required.");
  app.add_option("--api_key", o.api_key, "Project API key, sent as `authorization: Bearer KEY`.")
      ->envname("INGEST_API_KEY");
  bench::AddClientTlsFlags(app, o.tls);
  app.add_option("--project", o.project_id, "project_id of the sessions.");
  app.add_option("--kafka_bootstrap", o.kafka_bootstrap,
                 "Kafka bootstrap servers (the gateway's cluster).");
  app.add_option("--topic", o.topic, "The gateway's and the workers' topic.");
  app.add_option("--pg_dsn", o.pg_dsn, "The workers' PostgreSQL (libpq DSN).");
  app.add_option("--gateway_pid", o.gateway_pid,
                 "Pid of the gateway, for its CPU and RSS; 0 = not measured.")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--kafka_pid", o.kafka_pid,
                 "Pid of the broker, for its CPU and RSS; 0 = not measured.")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--pg_pid", o.pg_pid,
                 "Pid of the PostgreSQL postmaster; its children are counted with it (CPU: the "
                 "sum; RSS: the largest process and the sum). 0 = not measured.")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--channels", o.channels, "gRPC connections to the gateway.")
      ->check(CLI::PositiveNumber);
  app.add_option("--log_dir", o.log_dir,
                 "The workers' logs go to DIR/bench-worker-N.log (appended); empty = a new "
                 "directory under $TMPDIR.");
  app.add_option("--pid_dir", o.pid_dir,
                 "While a worker runs, DIR/bench-worker-N.pid holds its pid (./dev's pid-file "
                 "format); empty = no pid files.");
  app.add_option("--results_jsonl", o.results_jsonl,
                 "Append the results as JSON lines to this file.");
  app.add_flag("--quick", o.quick,
               "Seconds instead of minutes: short windows and waits, fewer steps, a 16MB big "
               "stream. Keeps the harness alive; the numbers mean little. Flags given explicitly "
               "win.");

  bench::AddSizeFlag(app, "--size", o.size_bytes,
                     "e2e, failover: serialized PayloadContent size of each PushPayload.");
  bench::AddSizeFlag(app, "--pool_bytes", o.pool_bytes,
                     "e2e, failover: distinct payload bodies, in bytes; 0 = 32MB (quick 4MB).",
                     /*zero_allowed=*/true);
  app.add_option("--lanes", o.lanes,
                 "e2e, failover: sessions; message i goes to session i mod lanes.")
      ->check(CLI::PositiveNumber);
  app.add_option("--gateway_max_msgs_per_s", o.gateway_max_msgs_per_s,
                 "e2e: the gateway's maximum msgs/s at --size (from gateway_bench). Required.");
  app.add_option("--worker_max_msgs_per_s", o.worker_max_msgs_per_s,
                 "e2e: the worker's maximum msgs/s at --size (from worker_bench). Required.");
  app.add_option("--raw_copy_msgs_per_s", o.raw_copy_msgs_per_s,
                 "e2e: raw COPY msgs/s at --size (from worker_bench), for ratio_vs_raw_copy; 0 = "
                 "not measured.")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--workers", o.workers, "e2e: workers to start.")
      ->check(CLI::Range(1, kMaxWorkers));
  cli::AddDuration(app, "--window", o.window,
                   "e2e: measured window of each step, 0 = 60s (quick 8s); sizes: 0 = 10s (quick "
                   "1.5s).");
  cli::AddDuration(app, "--warmup", o.warmup,
                   "e2e: load before each window, 0 = 10s (quick 3s); sizes: 0 = 3s (quick "
                   "0.5s).");
  app.add_option("--max_steps", o.max_steps,
                 "e2e: most rate steps of the bisection (it stops earlier once the bounded and "
                 "the unbounded rate are within 5%); 0 = 10 (quick 2).")
      ->check(CLI::NonNegativeNumber);
  cli::AddDuration(app, "--settle_timeout", o.settle_timeout,
                   "e2e, failover: how long the lag gets to fall back under a step's floor (or "
                   "the workers to settle); 0 = 120s (quick 30s).");
  cli::AddDuration(app, "--session_timeout", o.session_timeout,
                   "failover: the workers' --session_timeout; 0 = 10s (quick 6s, the broker's "
                   "minimum).");
  cli::AddDuration(app, "--heartbeat_interval", o.heartbeat_interval,
                   "failover: the workers' --heartbeat_interval.");
  app.add_option("--rate", o.rate_per_s,
                 "failover: PushPayload calls per second (open loop) under load.")
      ->check(CLI::PositiveNumber);
  cli::AddDuration(app, "--settle", o.settle,
                   "failover: load before the crash, once both workers own partitions; 0 = 10s "
                   "(quick 4s).");
  cli::AddDuration(app, "--takeover_timeout", o.takeover_timeout,
                   "failover: how long a stopped worker's partitions get to be consumed again; "
                   "0 = 4 x session_timeout + 30s.");
  cli::AddDuration(app, "--drain_timeout", o.drain_timeout,
                   "failover: after the load, how long the lag gets to reach 0; sizes: the "
                   "backlog before the big stream and its commit. 0 = 300s (quick 90s).");
  cli::AddParsed<std::vector<int64_t>>(
      app, "--sizes", o.sizes, bench::ParseSizeList, "SIZE,...", bench::SizeListLabel(o.sizes),
      "sizes: payload sizes measured with PushPayloadStream (closed loop, no worker).");
  app.add_option("--stream_lanes", o.stream_lanes, "sizes: concurrent streams (one session each).")
      ->check(CLI::PositiveNumber);
  bench::AddSizeFlag(app, "--stream_chunk", o.stream_chunk_bytes,
                     "sizes: bytes per chunk message of a stream.");
  cli::AddParsed<int64_t>(app, "--big_stream_bytes", o.big_stream_bytes, bench::ParseSizeOrZero,
                          "SIZE", "100MB (quick 16MB)",
                          "sizes: the one payload streamed with a worker running while every "
                          "process's RSS is sampled; 0 skips it.");
  cli::AddDuration(app, "--worker_ready_timeout", o.worker_ready_timeout,
                   "How long a started worker gets to answer GET /readyz with 200.");
  cli::AddDuration(app, "--call_timeout", o.call_timeout, "Deadline of each unary call.");
  cli::AddDuration(app, "--stream_timeout", o.stream_timeout, "Deadline of each streamed call.");
  app.add_option("worker_command", o.worker_command,
                 "After `--`: the worker's binary and flags (e2e, failover, sizes with a big "
                 "stream).");
}

}  // namespace

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

bool NeedsWorkers(const E2eOptions& options) {
  return options.mode != Mode::kSizes || options.big_stream_bytes > 0;
}

std::optional<int> ParseOptions(int argc, char** argv, E2eOptions& options) {
  CLI::App app(kDescription, "bench_e2e");
  app.footer(kFooter);
  // --help shows every default; a flag given twice takes its last value.
  app.option_defaults()->always_capture_default()->multi_option_policy(
      CLI::MultiOptionPolicy::TakeLast);
  AddFlags(app, options);
  app.callback([&options] {
    ApplyDefaults(options);
    if (absl::Status status = ValidateOptions(options); !status.ok()) {
      throw CLI::ValidationError(std::string(status.message()));
    }
  });
  return cli::Parse(app, argc, argv);
}

}  // namespace ingest::bench_e2e
