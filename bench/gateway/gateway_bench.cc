#include "bench/gateway/gateway_bench.h"

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/common/console.h"
#include "bench/common/http_get.h"
#include "bench/common/payload_pool.h"
#include "bench/common/report.h"
#include "bench/common/results_file.h"
#include "bench/common/run_spread.h"
#include "bench/common/sdk_sink.h"
#include "bench/common/size_label.h"
#include "bench/gateway/gateway_facts_probe.h"
#include "bench/gateway/gateway_report.h"
#include "bench/gateway/memory_phase.h"
#include "bench/gateway/phases.h"
#include "bench/gateway/raw_sink.h"
#include "client/cpp/clock.h"
#include "services/common/kafka/rdkafka_producer.h"
#include "services/common/status/status_context.h"
#include "services/common/status/status_macros.h"

namespace ingest::bench {
namespace {

constexpr absl::Duration kKafkaCheckTimeout = absl::Seconds(30);

GatewayRunRecord RunRecord(const BenchOptions& options) {
  GatewayRunRecord record;
  record.set_kind("run");
  record.set_started_at(absl::FormatTime(absl::RFC3339_sec, absl::Now(), absl::UTCTimeZone()));
  record.set_quick(options.quick);
  record.set_sizes(SizeListLabel(options.sizes));
  record.set_warmup_s(absl::ToDoubleSeconds(options.warmup));
  record.set_window_s(absl::ToDoubleSeconds(options.window));
  record.set_latency_warmup_s(absl::ToDoubleSeconds(options.latency_warmup));
  record.set_latency_window_s(absl::ToDoubleSeconds(options.latency_window));
  record.set_runs(options.runs);
  record.set_channels(options.channels);
  record.set_cpus(static_cast<int32_t>(std::thread::hardware_concurrency()));
  record.set_topic(options.topic);
  return record;
}

class Bench {
 public:
  explicit Bench(const BenchOptions& options) : options_(options) {}

  // Connects both sides: the client and its sessions, the raw producer
  // (the gateway's configuration), and with --gateway_metrics_url the facts
  // probe.
  absl::Status Setup() {
    RETURN_IF_ERROR(results_.Open(options_.results_jsonl));
    const GatewayRunRecord run = RunRecord(options_);
    Note(absl::StrFormat(
        "gateway %s%s, kafka %s topic %s; sizes %s; %s warm-up + %s per throughput phase, "
        "%s + %s per latency phase; %d interleaved run(s) per side (%s of phases)%s",
        options_.gateway_address,
        options_.tls.ca_file.empty()     ? ""
        : options_.tls.cert_file.empty() ? " (TLS)"
                                         : " (mutual TLS)",
        options_.kafka_bootstrap, options_.topic, run.sizes(),
        absl::FormatDuration(options_.warmup), absl::FormatDuration(options_.window),
        absl::FormatDuration(options_.latency_warmup),
        absl::FormatDuration(options_.latency_window), options_.runs,
        absl::FormatDuration(PlannedPhaseTime(options_)), options_.quick ? "; QUICK" : ""));
    results_.Write(run);

    const int count = SessionsNeeded(options_);
    const BenchClientOptions client{.address = options_.gateway_address,
                                    .api_key = options_.api_key,
                                    .channels = options_.channels,
                                    .call_deadline = options_.call_timeout,
                                    .stream_deadline = options_.stream_timeout,
                                    .give_up_after = options_.give_up_after,
                                    .stream_threshold_bytes = StreamThresholdBytes(options_),
                                    .stream_chunk_bytes = options_.stream_chunk_bytes,
                                    .max_lanes = count,
                                    .max_payload_bytes = StreamThresholdBytes(options_),
                                    .tls = options_.tls};
    ASSIGN_OR_RETURN(client_, WithContext(CreateBenchClient(client, backpressure_), "client"));
    ASSIGN_OR_RETURN(
        sessions_, WithContext(StartSessions(*client_, count, options_.project_id, "gateway_bench"),
                               "create sessions"));
    Note(absl::StrCat(count, " sessions created"));

    ProducerOptions producer;  // the gateway's defaults: acks=all, idempotence, zstd, linger 5ms
    producer.bootstrap_servers = options_.kafka_bootstrap;
    producer.client_id = "gateway-bench-raw";
    ASSIGN_OR_RETURN(producer_, WithContext(CreateRdKafkaProducer(producer), "raw producer"));
    RETURN_IF_ERROR(
        WithContext(producer_->CheckReachable(options_.topic, kKafkaCheckTimeout), "raw producer"));
    SetUpFactsProbe();
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<GatewayStreamRecord>> MeasureStream() {
    ASSIGN_OR_RETURN(std::optional<GatewayStreamRecord> stream,
                     MeasureMemory(options_, *sessions_[0]));
    (void)backpressure_.Take();  // the throughput phases count their own
    if (stream.has_value()) results_.Write(*stream);
    return stream;
  }

  // Interleaved maximum throughput runs (raw 1, gateway 1, raw 2, ...:
  // drift of the machine hits both sides alike, and each pair's ratio
  // compares neighbours in time), then each side's latency at half of the
  // slower side's maximum.
  absl::StatusOr<GatewaySizeRecord> MeasureSize(int64_t size) {
    const std::string label = SizeLabel(size);
    const PayloadPoolOptions pool_options{.message_bytes = size,
                                          .pool_bytes = options_.pool_bytes,
                                          .project_id = options_.project_id};
    Note(absl::StrCat(label, ": building ", PoolMessageCount(pool_options), " distinct bodies"));
    const PayloadPool pool = PayloadPool::Build(pool_options);

    RawSink raw(*producer_, options_.topic, pool, *clock_, RawLanesFor(options_, size));
    const ContentSource bodies = [&pool](uint64_t k) -> const v1::PayloadContent& {
      return pool.content(k);
    };
    SdkSink gateway(sessions_, GatewayLanesFor(options_, size), bodies, backpressure_);
    // Open loop: every session, so a session's own previous call rarely
    // delays a message.
    SdkSink gateway_all(sessions_, static_cast<int>(sessions_.size()), bodies, backpressure_);

    std::vector<ThroughputRun> raw_runs;
    std::vector<ThroughputRun> gateway_runs;
    for (int run = 1; run <= options_.runs; ++run) {
      const std::string of =
          options_.runs > 1 ? absl::StrCat(" (run ", run, "/", options_.runs, ")") : "";
      ASSIGN_OR_RETURN(ThroughputRun raw_run,
                       MeasureThroughput(raw, absl::StrCat(label, " raw max throughput", of),
                                         options_, nullptr));
      if (raw_run.stats.msgs_per_s <= 0) {
        return absl::UnavailableError(
            absl::StrCat(label, ": the raw producer acknowledged nothing", of));
      }
      raw_runs.push_back(raw_run);
      ASSIGN_OR_RETURN(
          ThroughputRun gateway_run,
          MeasureThroughput(gateway, absl::StrCat(label, " gateway max throughput", of), options_,
                            facts_probe_ ? &*facts_probe_ : nullptr));
      gateway_runs.push_back(gateway_run);
    }

    const double rate =
        LatencyRate(MedianRun(gateway_runs).stats.msgs_per_s, MedianRun(raw_runs).stats.msgs_per_s);
    if (rate <= 0) {
      return absl::UnavailableError(absl::StrCat(label, ": the gateway acknowledged nothing"));
    }
    const std::string at = absl::StrCat(" latency @", FormatSignificant(rate), "/s");
    ASSIGN_OR_RETURN(const LatencyStats raw_latency,
                     MeasureLatency(raw, rate, absl::StrCat(label, " raw", at), options_));
    ASSIGN_OR_RETURN(
        const LatencyStats gateway_latency,
        MeasureLatency(gateway_all, rate, absl::StrCat(label, " gateway", at), options_));
    const GatewaySizeRecord record =
        SizeRecord(size, raw_runs, gateway_runs, raw_latency, gateway_latency);
    if (options_.runs > 1) {
      Note(absl::StrFormat("  %s: ratio %.2f, the median of %d interleaved runs (%.2f-%.2f)", label,
                           record.ratio(), record.runs(), record.ratio_spread_min(),
                           record.ratio_spread_max()));
    }
    results_.Write(record);
    return record;
  }

  ResultsFile& results() { return results_; }

 private:
  // With --gateway_metrics_url, checks once that the gateway's /metrics
  // answers with the fact extraction counters. When it does not, the run
  // goes on and says facts_s_per_gib=n/a: the throughput it measures does
  // not depend on it.
  void SetUpFactsProbe() {
    if (options_.gateway_metrics_url.empty()) {
      Note("facts_s_per_gib not measured (no --gateway_metrics_url)");
      return;
    }
    // ParseBenchOptions checked the URL.
    GatewayFactsProbe probe(options_.gateway_metrics_url, options_.metrics_timeout);
    if (const absl::Status status = probe.Read().status(); !status.ok()) {
      Note(absl::StrCat("warning: facts_s_per_gib not measured: ", status.ToString()));
      return;
    }
    facts_probe_.emplace(std::move(probe));
  }

  const BenchOptions& options_;
  ResultsFile results_;
  // Destroyed in reverse: the clock (its thread joined) and the Client (its callbacks
  // run) before the sinks' collaborators.
  BackpressureCount backpressure_;  // the Client's observer
  std::vector<std::unique_ptr<client::Session>> sessions_;
  std::unique_ptr<client::Client> client_;
  std::unique_ptr<Producer> producer_;
  std::optional<GatewayFactsProbe> facts_probe_;  // set by Setup with --gateway_metrics_url
  const std::unique_ptr<client::Clock> clock_ = client::CreateSystemClock();  // RawSink retries
};

}  // namespace

int RunGatewayBench(const BenchOptions& options) {
  Bench bench(options);
  if (absl::Status status = bench.Setup(); !status.ok()) {
    Note(absl::StrCat("error: ", status.ToString()));
    return 1;
  }

  // The result lines are printed together at the end (stderr has each one as
  // it is measured), sizes first, as in issue 3.
  std::vector<std::string> lines;
  absl::StatusOr<std::optional<GatewayStreamRecord>> stream = bench.MeasureStream();
  if (!stream.ok()) ExitAfterError(stream.status(), lines);

  std::vector<GatewaySizeRecord> sizes;
  for (const int64_t size : options.sizes) {
    absl::StatusOr<GatewaySizeRecord> record = bench.MeasureSize(size);
    if (!record.ok()) ExitAfterError(record.status(), lines);
    sizes.push_back(*std::move(record));
    lines.push_back(FormatSizeLine(sizes.back()));
    Note(lines.back());
  }
  if (stream->has_value()) lines.push_back(FormatStreamLine(**stream));

  const std::vector<TargetCheck> checks = EvaluateTargets(sizes, *stream, options.targets);
  for (const TargetCheck& check : checks) bench.results().Write(ToTargetRecord(check));
  lines.push_back(FormatTargetsLine("gateway", checks));
  for (const std::string& line : lines) Print(line);
  return 0;
}

}  // namespace ingest::bench
