#include "bench/e2e/flags.h"

#include <cstdlib>
#include <string>
#include <tuple>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/common/flags/usage.h"
#include "services/common/status/status_macros.h"
#include "bench/common/size_label.h"
#include "tools/loadgen/flag_syntax.h"

ABSL_FLAG(std::string, mode, "", "What to measure: e2e, failover or sizes. Required.");
ABSL_FLAG(std::string, gateway, "", "HOST:PORT of the gateway. Required.");
ABSL_FLAG(std::string, api_key, "",
          "Project API key, sent as `authorization: Bearer KEY` (default: $INGEST_API_KEY).");
ABSL_FLAG(std::string, project, "demo-project", "project_id of the sessions.");
ABSL_FLAG(std::string, kafka_bootstrap, "", "Kafka bootstrap servers (the gateway's cluster).");
ABSL_FLAG(std::string, topic, "ingest.tasks", "The gateway's and the workers' topic.");
ABSL_FLAG(std::string, pg_dsn, "", "The workers' PostgreSQL (libpq DSN).");
ABSL_FLAG(int, gateway_pid, 0, "Pid of the gateway, for its CPU and RSS; 0 = not measured.");
ABSL_FLAG(int, kafka_pid, 0, "Pid of the broker, for its CPU and RSS; 0 = not measured.");
ABSL_FLAG(int, pg_pid, 0,
          "Pid of the PostgreSQL postmaster; its children are counted with it (CPU: the sum; "
          "RSS: the largest process and the sum). 0 = not measured.");
ABSL_FLAG(int, channels, 4, "gRPC connections to the gateway.");
ABSL_FLAG(std::string, log_dir, "",
          "The workers' logs go to DIR/bench-worker-N.log (appended); empty = a new directory "
          "under $TMPDIR.");
ABSL_FLAG(std::string, pid_dir, "",
          "While a worker runs, DIR/bench-worker-N.pid holds its pid (./dev's pid-file format); "
          "empty = no pid files.");
ABSL_FLAG(std::string, results_jsonl, "", "Append the results as JSON lines to this file.");
ABSL_FLAG(bool, quick, false,
          "Seconds instead of minutes: short windows and waits, fewer steps, a 16MB big stream. "
          "Keeps the harness alive; the numbers mean little. Flags given explicitly win.");

ABSL_FLAG(std::string, size, "100KB",
          "e2e, failover: serialized PayloadContent size of each PushPayload.");
ABSL_FLAG(std::string, pool_bytes, "",
          "e2e, failover: distinct payload bodies, in bytes; empty = 32MB (quick 4MB).");
ABSL_FLAG(int, lanes, 256, "e2e, failover: sessions; message i goes to session i mod lanes.");
ABSL_FLAG(double, gateway_max_msgs_per_s, 0,
          "e2e: the gateway's maximum msgs/s at --size (from gateway_bench). Required.");
ABSL_FLAG(double, worker_max_msgs_per_s, 0,
          "e2e: the worker's maximum msgs/s at --size (from worker_bench). Required.");
ABSL_FLAG(double, raw_copy_msgs_per_s, 0,
          "e2e: raw COPY msgs/s at --size (from worker_bench), for ratio_vs_raw_copy; 0 = not "
          "measured.");
ABSL_FLAG(int, workers, 1, "e2e: workers to start.");
ABSL_FLAG(absl::Duration, window, absl::ZeroDuration(),
          "e2e: measured window of each step, 0 = 60s (quick 8s); sizes: 0 = 10s (quick 1.5s).");
ABSL_FLAG(absl::Duration, warmup, absl::ZeroDuration(),
          "e2e: load before each window, 0 = 10s (quick 3s); sizes: 0 = 3s (quick 0.5s).");
ABSL_FLAG(int, max_steps, 0,
          "e2e: most rate steps of the bisection (it stops earlier once the bounded and the "
          "unbounded rate are within 5%); 0 = 10 (quick 2).");
ABSL_FLAG(absl::Duration, settle_timeout, absl::ZeroDuration(),
          "e2e, failover: how long the lag gets to fall back under a step's floor (or the "
          "workers to settle); 0 = 120s (quick 30s).");
ABSL_FLAG(absl::Duration, session_timeout, absl::ZeroDuration(),
          "failover: the workers' --session_timeout; 0 = 10s (quick 6s, the broker's minimum).");
ABSL_FLAG(absl::Duration, heartbeat_interval, absl::Seconds(1),
          "failover: the workers' --heartbeat_interval.");
ABSL_FLAG(double, rate, 200, "failover: PushPayload calls per second (open loop) under load.");
ABSL_FLAG(absl::Duration, settle, absl::ZeroDuration(),
          "failover: load before the crash, once both workers own partitions; 0 = 10s "
          "(quick 4s).");
ABSL_FLAG(absl::Duration, takeover_timeout, absl::ZeroDuration(),
          "failover: how long a stopped worker's partitions get to be consumed again; "
          "0 = 4 x session_timeout + 30s.");
ABSL_FLAG(absl::Duration, drain_timeout, absl::ZeroDuration(),
          "failover: after the load, how long the lag gets to reach 0; sizes: the backlog before "
          "the big stream and its commit. 0 = 300s (quick 90s).");
ABSL_FLAG(std::string, sizes, "10MB",
          "sizes: payload sizes measured with PushPayloadStream (closed loop, no worker).");
ABSL_FLAG(int, stream_lanes, 8, "sizes: concurrent streams (one session each).");
ABSL_FLAG(std::string, stream_chunk, "1MB", "sizes: bytes per chunk message of a stream.");
ABSL_FLAG(std::string, big_stream_bytes, "",
          "sizes: the one payload streamed with a worker running while every process's RSS is "
          "sampled; empty = 100MB (quick 16MB); 0 skips it.");
ABSL_FLAG(absl::Duration, worker_ready_timeout, absl::Seconds(60),
          "How long a started worker gets to answer GET /readyz with 200.");
ABSL_FLAG(absl::Duration, call_timeout, absl::Seconds(30), "Deadline of each unary call.");
ABSL_FLAG(absl::Duration, stream_timeout, absl::Minutes(10), "Deadline of each streamed call.");

namespace ingest::bench_e2e {
namespace {

absl::StatusOr<int64_t> SizeFlag(const std::string& text, absl::string_view name) {
  absl::StatusOr<int64_t> bytes = bench::ParseSize(text);
  if (!bytes.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--", name, ": ", bytes.status().message()));
  }
  return bytes;
}

}  // namespace

absl::StatusOr<E2eOptions> ParseE2eFlags(int argc, char** argv) {
  ConfigureFlagUsage(
      "End-to-end benchmarks against a running gateway, Kafka and PostgreSQL, with workers "
      "this tool starts: the highest rate at which consumer lag stays bounded (e2e), worker "
      "failover times (failover), and large-payload throughput and memory (sizes). Normally "
      "run by `./dev bench`.\n"
      "Usage: bench_e2e --mode=e2e|failover|sizes --gateway=HOST:PORT [flags] -- "
      "WORKER_BINARY [WORKER_FLAGS...]\n"
      "Each worker gets --metrics_address and --health_address appended (failover also "
      "--group_instance_id, --session_timeout, --heartbeat_interval).\n"
      "Exit status: 0 measured (targets are reported, not asserted), 1 error, 2 usage.");
  const std::vector<char*> positional = absl::ParseCommandLine(argc, argv);

  E2eOptions options;
  absl::StatusOr<Mode> mode = ParseMode(absl::GetFlag(FLAGS_mode));
  if (!mode.ok()) return mode.status();
  options.mode = *mode;
  options.worker_command.assign(positional.begin() + 1, positional.end());
  options.gateway_address = absl::GetFlag(FLAGS_gateway);
  options.api_key = loadgen::ApiKeyOrEnvironment(absl::GetFlag(FLAGS_api_key));
  options.project_id = absl::GetFlag(FLAGS_project);
  options.kafka_bootstrap = absl::GetFlag(FLAGS_kafka_bootstrap);
  options.topic = absl::GetFlag(FLAGS_topic);
  options.pg_dsn = absl::GetFlag(FLAGS_pg_dsn);
  options.gateway_pid = absl::GetFlag(FLAGS_gateway_pid);
  options.kafka_pid = absl::GetFlag(FLAGS_kafka_pid);
  options.pg_pid = absl::GetFlag(FLAGS_pg_pid);
  options.channels = absl::GetFlag(FLAGS_channels);
  options.log_dir = absl::GetFlag(FLAGS_log_dir);
  options.pid_dir = absl::GetFlag(FLAGS_pid_dir);
  options.results_jsonl = absl::GetFlag(FLAGS_results_jsonl);
  options.quick = absl::GetFlag(FLAGS_quick);

  for (const auto& [flag, value, name] :
       {std::tuple{&FLAGS_size, &options.size_bytes, "size"},
        std::tuple{&FLAGS_pool_bytes, &options.pool_bytes, "pool_bytes"},
        std::tuple{&FLAGS_stream_chunk, &options.stream_chunk_bytes, "stream_chunk"},
        std::tuple{&FLAGS_big_stream_bytes, &options.big_stream_bytes, "big_stream_bytes"}}) {
    const std::string text = absl::GetFlag(*flag);
    if (text.empty()) continue;  // the default (pool_bytes, big_stream_bytes)
    if (flag == &FLAGS_big_stream_bytes && text == "0") {
      *value = 0;
      continue;
    }
    ASSIGN_OR_RETURN(int64_t bytes, SizeFlag(text, name));
    *value = bytes;
  }
  absl::StatusOr<std::vector<int64_t>> sizes = bench::ParseSizeList(absl::GetFlag(FLAGS_sizes));
  if (!sizes.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--sizes: ", sizes.status().message()));
  }
  options.sizes = *std::move(sizes);
  options.lanes = absl::GetFlag(FLAGS_lanes);
  options.gateway_max_msgs_per_s = absl::GetFlag(FLAGS_gateway_max_msgs_per_s);
  options.worker_max_msgs_per_s = absl::GetFlag(FLAGS_worker_max_msgs_per_s);
  options.raw_copy_msgs_per_s = absl::GetFlag(FLAGS_raw_copy_msgs_per_s);
  options.workers = absl::GetFlag(FLAGS_workers);
  options.window = absl::GetFlag(FLAGS_window);
  options.warmup = absl::GetFlag(FLAGS_warmup);
  options.max_steps = absl::GetFlag(FLAGS_max_steps);
  options.settle_timeout = absl::GetFlag(FLAGS_settle_timeout);
  options.session_timeout = absl::GetFlag(FLAGS_session_timeout);
  options.heartbeat_interval = absl::GetFlag(FLAGS_heartbeat_interval);
  options.rate_per_s = absl::GetFlag(FLAGS_rate);
  options.settle = absl::GetFlag(FLAGS_settle);
  options.takeover_timeout = absl::GetFlag(FLAGS_takeover_timeout);
  options.drain_timeout = absl::GetFlag(FLAGS_drain_timeout);
  options.stream_lanes = absl::GetFlag(FLAGS_stream_lanes);
  options.worker_ready_timeout = absl::GetFlag(FLAGS_worker_ready_timeout);
  options.call_timeout = absl::GetFlag(FLAGS_call_timeout);
  options.stream_timeout = absl::GetFlag(FLAGS_stream_timeout);

  ApplyDefaults(options);
  RETURN_IF_ERROR(ValidateOptions(options));
  return options;
}

}  // namespace ingest::bench_e2e
