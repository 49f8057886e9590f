#include "bench/gateway/options.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/common/client_tls_flags.h"
#include "bench/common/http_get.h"
#include "bench/common/size_label.h"
#include "services/common/flags/cli.h"
#include "services/common/status/status_macros.h"

namespace ingest::bench {
namespace {

constexpr char kDescription[] =
    "Gateway benchmark: maximum throughput of the gateway and of a raw librdkafka producer on "
    "the same broker, their ratio (median of interleaved runs), latency at half of the slower "
    "side's maximum, the gateway's fact extraction seconds per GiB (with "
    "--gateway_metrics_url; n/a without), and the gateway's memory while a large payload "
    "streams. Normally run by `./dev bench gateway`.";

int LanesFor(int64_t budget_bytes, int64_t size, int low, int high) {
  const int64_t lanes = budget_bytes / std::max<int64_t>(size, 1);
  return static_cast<int>(std::clamp<int64_t>(lanes, low, high));
}

// Sizes sent with PushPayload: within the gateway's unary limit.
absl::StatusOr<std::vector<int64_t>> ParseUnarySizes(absl::string_view text) {
  ASSIGN_OR_RETURN(std::vector<int64_t> sizes, ParseSizeList(text));
  for (const int64_t size : sizes) {
    if (size < 1024 || size > (int64_t{8} << 20)) {
      return absl::InvalidArgumentError(
          absl::StrCat(size, " bytes is outside [1KB, 8MB] (the unary limit)"));
    }
  }
  return sizes;
}

// Empty, or a URL HttpGet reaches.
std::string CheckMetricsUrl(const std::string& url) {
  return url.empty() ? "" : std::string(CheckHttpUrl(url).message());
}

// What the flags' own checks cannot see: the API key may come from the
// environment, and the stream must be larger than every size. Durations are
// not negative (cli::AddDuration); windows and timeouts must be positive.
absl::Status ValidateOptions(const BenchOptions& options) {
  if (options.api_key.empty()) {
    return absl::InvalidArgumentError("--api_key (or $INGEST_API_KEY) is required");
  }
  if (options.topic.empty()) return absl::InvalidArgumentError("--topic must not be empty");
  for (const absl::Duration d :
       {options.window, options.latency_window, options.drain_timeout, options.call_timeout,
        options.stream_timeout, options.give_up_after, options.rss_interval,
        options.metrics_timeout}) {
    if (d <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError("windows, timeouts and intervals must be positive");
    }
  }
  if (options.stream_bytes != 0 && options.stream_bytes <= StreamThresholdBytes(options)) {
    return absl::InvalidArgumentError(
        "--stream_bytes must be larger than every --sizes (those are sent unary, it is streamed)");
  }
  return absl::OkStatus();
}

void AddFlags(CLI::App& app, BenchOptions& options) {
  // CLI11's NonNegativeNumber and PositiveNumber name the range of a double.
  const CLI::Range non_negative(0, std::numeric_limits<int>::max());
  const CLI::Range positive(1, std::numeric_limits<int>::max());
  app.add_option("--gateway", options.gateway_address,
                 "HOST:PORT of the gateway (GATEWAY_ADDR in .local/endpoints.env).")
      ->required();
  app.add_option("--api_key", options.api_key,
                 "Project API key, sent as `authorization: Bearer KEY`.")
      ->envname("INGEST_API_KEY");
  AddClientTlsFlags(app, options.tls);
  app.add_option("--project", options.project_id, "project_id of the sessions.")
      ->capture_default_str();
  app.add_option("--kafka_bootstrap", options.kafka_bootstrap,
                 "Kafka bootstrap servers of the raw producer: the gateway's cluster.")
      ->required();
  app.add_option("--topic", options.topic, "Topic the raw producer writes (the gateway's).")
      ->capture_default_str();
  app.add_option("--gateway_pid", options.gateway_pid,
                 "Pid of the gateway process, for its RSS (memory phase) and CPU use; 0 skips "
                 "the memory phase.")
      ->capture_default_str()
      ->check(non_negative);
  app.add_option("--kafka_pid", options.kafka_pid,
                 "Pid of the broker, for its CPU use; 0 = not measured.")
      ->capture_default_str()
      ->check(non_negative);
  app.add_option("--gateway_metrics_url", options.gateway_metrics_url,
                 "The gateway's /metrics, http://HOST:PORT/PATH (GATEWAY_METRICS_URL in "
                 ".local/endpoints.env): read before and after each gateway throughput window "
                 "for facts_s_per_gib, the gateway's fact extraction seconds per GiB of raw "
                 "content. Empty: not measured, the lines say facts_s_per_gib=n/a.")
      ->check(CheckMetricsUrl);
  cli::AddParsed<std::vector<int64_t>>(app, "--sizes", options.sizes, ParseUnarySizes, "SIZES",
                                       SizeListLabel(options.sizes),
                                       "Message sizes (serialized PayloadContent).");
  cli::AddDuration(app, "--warmup", options.warmup,
                   "Throughput phases: warm-up before the window.");
  cli::AddDuration(app, "--window", options.window, "Throughput phases: measured window.");
  app.add_option("--runs", options.runs,
                 "Maximum throughput runs per side and size, interleaved (raw, gateway, raw, "
                 "...); the ratio is the median of the per-pair ratios, printed with its "
                 "spread. --quick: 1 unless given.")
      ->capture_default_str()
      ->check(positive);
  cli::AddDuration(app, "--latency_warmup", options.latency_warmup,
                   "Latency phases: messages due in this first span are not measured.");
  cli::AddDuration(app, "--latency_window", options.latency_window,
                   "Latency phases: measured window.");
  cli::AddDuration(app, "--drain_timeout", options.drain_timeout,
                   "After a phase, how long in-flight and queued messages get to finish.");
  app.add_option("--raw_lanes", options.raw_lanes,
                 "Raw records in flight; 0 = 128 MB worth, in [64, 8192].")
      ->capture_default_str()
      ->check(non_negative);
  app.add_option("--gateway_lanes", options.gateway_lanes,
                 "Concurrent PushPayload calls (one session each); 0 = 64 MB worth, in "
                 "[32, 256].")
      ->capture_default_str()
      ->check(non_negative);
  app.add_option("--channels", options.channels, "gRPC connections to the gateway.")
      ->capture_default_str()
      ->check(positive);
  AddSizeFlag(app, "--pool_bytes", options.pool_bytes,
              "Distinct message bodies per size, in bytes.");
  AddSizeFlag(app, "--stream_bytes", options.stream_bytes,
              "Size of the payload streamed in the memory phase (which needs --gateway_pid); 0 "
              "skips the phase.",
              /*zero_allowed=*/true);
  AddSizeFlag(app, "--stream_chunk", options.stream_chunk_bytes,
              "Bytes per chunk message of the stream.");
  cli::AddDuration(app, "--call_timeout", options.call_timeout, "Deadline of each unary call.");
  cli::AddDuration(app, "--stream_timeout", options.stream_timeout,
                   "Deadline of the streamed call.");
  app.add_option("--results_jsonl", options.results_jsonl,
                 "Append the results as JSON lines to this file (e.g. "
                 "bench/results/RUN/gateway.jsonl).");
  app.add_flag("--quick,!--noquick", options.quick,
               "Seconds instead of minutes: short phases, 16 MB stream. Keeps the harness "
               "alive; the numbers mean little. Overrides the duration and stream flags.");
}

}  // namespace

std::optional<int> ParseBenchOptions(int argc, char** argv, BenchOptions& options) {
  CLI::App app(kDescription, "gateway_bench");
  app.footer("Exit status: 0 measured (targets are reported, not asserted), 1 error, 2 usage.");
  AddFlags(app, options);
  if (std::optional<int> exit = cli::Parse(app, argc, argv)) return exit;
  if (options.quick) {
    const int runs = options.runs;
    ApplyQuick(options);
    if (app.count("--runs") > 0) options.runs = runs;
  }
  if (const absl::Status status = ValidateOptions(options); !status.ok()) {
    std::fprintf(stderr, "gateway_bench: %s\nRun with --help for the flags.\n",
                 std::string(status.message()).c_str());
    return cli::kExitUsage;
  }
  return std::nullopt;
}

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
