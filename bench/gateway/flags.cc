#include "bench/gateway/flags.h"

#include <cstdlib>
#include <string>
#include <tuple>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "services/common/flags/usage.h"
#include "services/common/status/status_macros.h"
#include "bench/common/size_label.h"
#include "tools/loadgen/flag_syntax.h"

ABSL_FLAG(std::string, gateway, "",
          "HOST:PORT of the gateway (GATEWAY_ADDR in .local/endpoints.env). Required.");
ABSL_FLAG(std::string, api_key, "",
          "Project API key, sent as `authorization: Bearer KEY` (default: $INGEST_API_KEY).");
ABSL_FLAG(std::string, project, "demo-project", "project_id of the sessions.");
ABSL_FLAG(std::string, kafka_bootstrap, "",
          "Kafka bootstrap servers of the raw producer: the gateway's cluster. Required.");
ABSL_FLAG(std::string, topic, "ingest.tasks", "Topic the raw producer writes (the gateway's).");
ABSL_FLAG(int, gateway_pid, 0,
          "Pid of the gateway process, for its RSS (memory phase) and CPU use; 0 skips the "
          "memory phase.");
ABSL_FLAG(int, kafka_pid, 0, "Pid of the broker, for its CPU use; 0 = not measured.");
ABSL_FLAG(std::string, gateway_metrics_url, "",
          "The gateway's /metrics, http://IPV4:PORT/PATH (GATEWAY_METRICS_URL in "
          ".local/endpoints.env): read before and after each gateway throughput window for "
          "facts_s_per_gib, the gateway's fact extraction seconds per GiB of raw content. "
          "Empty: not measured, the lines say facts_s_per_gib=n/a.");
ABSL_FLAG(std::string, sizes, "10KB,100KB,1MB", "Message sizes (serialized PayloadContent).");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(3),
          "Throughput phases: warm-up before the window.");
ABSL_FLAG(absl::Duration, window, absl::Seconds(10), "Throughput phases: measured window.");
ABSL_FLAG(int, runs, 0,
          "Maximum throughput runs per side and size, interleaved (raw, gateway, raw, ...); the "
          "ratio is the median of the per-pair ratios, printed with its spread. 0 = 3 (--quick: "
          "1).");
ABSL_FLAG(absl::Duration, latency_warmup, absl::Seconds(2),
          "Latency phases: messages due in this first span are not measured.");
ABSL_FLAG(absl::Duration, latency_window, absl::Seconds(10), "Latency phases: measured window.");
ABSL_FLAG(absl::Duration, drain_timeout, absl::Seconds(30),
          "After a phase, how long in-flight and queued messages get to finish.");
ABSL_FLAG(int, raw_lanes, 0, "Raw records in flight; 0 = 128 MB worth, in [64, 8192].");
ABSL_FLAG(int, gateway_lanes, 0,
          "Concurrent PushPayload calls (one session each); 0 = 64 MB worth, in [32, 256].");
ABSL_FLAG(int, channels, 4, "gRPC connections to the gateway.");
ABSL_FLAG(std::string, pool_bytes, "32MB", "Distinct message bodies per size, in bytes.");
ABSL_FLAG(std::string, stream_bytes, "256MB",
          "Size of the payload streamed in the memory phase (which needs --gateway_pid); "
          "0 skips the phase.");
ABSL_FLAG(std::string, stream_chunk, "1MB", "Bytes per chunk message of the stream.");
ABSL_FLAG(absl::Duration, call_timeout, absl::Seconds(30), "Deadline of each unary call.");
ABSL_FLAG(absl::Duration, stream_timeout, absl::Minutes(5), "Deadline of the streamed call.");
ABSL_FLAG(std::string, results_jsonl, "",
          "Append the results as JSON lines to this file (e.g. bench/results/RUN/gateway.jsonl).");
ABSL_FLAG(bool, quick, false,
          "Seconds instead of minutes: short phases, 16 MB stream. Keeps the harness alive; "
          "the numbers mean little. Overrides the duration and stream flags.");

namespace ingest::bench {

absl::StatusOr<BenchOptions> ParseBenchFlags(int argc, char** argv) {
  ConfigureFlagUsage(
      "Gateway benchmark: maximum throughput of the gateway and of a raw librdkafka producer on "
      "the same broker, their ratio (median of interleaved runs), latency at half of the slower "
      "side's maximum, the gateway's fact extraction seconds per GiB (with "
      "--gateway_metrics_url; n/a without), and the gateway's memory while a large payload "
      "streams. Normally run by `./dev bench gateway`.\n"
      "Usage: gateway_bench --gateway=HOST:PORT --kafka_bootstrap=HOST:PORT [flags]\n"
      "Exit status: 0 measured (targets are reported, not asserted), 1 error, 2 usage.");
  const std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() > 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unexpected arguments: ", absl::StrJoin(positional.begin() + 1, positional.end(), " ")));
  }

  BenchOptions options;
  options.gateway_address = absl::GetFlag(FLAGS_gateway);
  options.api_key = loadgen::ApiKeyOrEnvironment(absl::GetFlag(FLAGS_api_key));
  options.project_id = absl::GetFlag(FLAGS_project);
  options.kafka_bootstrap = absl::GetFlag(FLAGS_kafka_bootstrap);
  options.topic = absl::GetFlag(FLAGS_topic);
  options.gateway_pid = absl::GetFlag(FLAGS_gateway_pid);
  options.kafka_pid = absl::GetFlag(FLAGS_kafka_pid);
  options.gateway_metrics_url = absl::GetFlag(FLAGS_gateway_metrics_url);
  absl::StatusOr<std::vector<int64_t>> sizes = ParseSizeList(absl::GetFlag(FLAGS_sizes));
  if (!sizes.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--sizes: ", sizes.status().message()));
  }
  options.sizes = *std::move(sizes);
  options.warmup = absl::GetFlag(FLAGS_warmup);
  options.window = absl::GetFlag(FLAGS_window);
  options.latency_warmup = absl::GetFlag(FLAGS_latency_warmup);
  options.latency_window = absl::GetFlag(FLAGS_latency_window);
  options.drain_timeout = absl::GetFlag(FLAGS_drain_timeout);
  options.raw_lanes = absl::GetFlag(FLAGS_raw_lanes);
  options.gateway_lanes = absl::GetFlag(FLAGS_gateway_lanes);
  options.channels = absl::GetFlag(FLAGS_channels);
  for (const auto& [flag, value, name] :
       {std::tuple{&FLAGS_pool_bytes, &options.pool_bytes, "--pool_bytes"},
        std::tuple{&FLAGS_stream_bytes, &options.stream_bytes, "--stream_bytes"},
        std::tuple{&FLAGS_stream_chunk, &options.stream_chunk_bytes, "--stream_chunk"}}) {
    const std::string text = absl::GetFlag(*flag);
    if (flag == &FLAGS_stream_bytes && text == "0") {
      *value = 0;
      continue;
    }
    absl::StatusOr<int64_t> bytes = ParseSize(text);
    if (!bytes.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": ", bytes.status().message()));
    }
    *value = *bytes;
  }
  options.call_timeout = absl::GetFlag(FLAGS_call_timeout);
  options.stream_timeout = absl::GetFlag(FLAGS_stream_timeout);
  options.results_jsonl = absl::GetFlag(FLAGS_results_jsonl);
  if (absl::GetFlag(FLAGS_quick)) ApplyQuick(options);
  if (const int runs = absl::GetFlag(FLAGS_runs); runs != 0) options.runs = runs;
  RETURN_IF_ERROR(ValidateOptions(options));
  return options;
}

}  // namespace ingest::bench
