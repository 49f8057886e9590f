#include "bench/gateway/gateway_bench.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "services/common/kafka/rdkafka_producer.h"
#include "services/common/status/status_macros.h"
#include "bench/common/console.h"
#include "bench/common/cpu.h"
#include "bench/gateway/gateway_facts_probe.h"
#include "bench/common/json_line.h"
#include "bench/common/load_driver.h"
#include "bench/common/payload_pool.h"
#include "bench/common/progress.h"
#include "bench/gateway/raw_sink.h"
#include "bench/common/report.h"
#include "bench/common/results_file.h"
#include "bench/common/rss.h"
#include "bench/common/run_spread.h"
#include "bench/common/sdk_sink.h"
#include "bench/common/size_label.h"
#include "bench/common/stream_content.h"
#include "bench/common/timer.h"
#include "tools/loadgen/payload_factory.h"

namespace ingest::bench {
namespace {

constexpr absl::Duration kKafkaCheckTimeout = absl::Seconds(30);
constexpr absl::Duration kIdleSampleGap = absl::Milliseconds(100);
constexpr int kIdleSamples = 5;
// The streamed content repeats one realistic block of this size.
constexpr int64_t kStreamBlockBytes = 1 << 20;

// "acked=1234  1520 msg/s": the rate since the previous call. Called from
// one progress thread only.
std::function<std::string()> AckRateDetail(const PhaseCounters& counters) {
  struct Last {
    absl::Time at = absl::Now();
    int64_t acked = 0;
  };
  auto last = std::make_shared<Last>();
  return [&counters, last] {
    const absl::Time now = absl::Now();
    const int64_t acked = counters.acked.load();
    const double seconds = absl::ToDoubleSeconds(now - last->at);
    const double rate = seconds > 0 ? static_cast<double>(acked - last->acked) / seconds : 0;
    *last = {now, acked};
    return absl::StrCat("acked=", acked, "  ", FormatSignificant(rate), " msg/s",
                        CountersDetail(counters));
  };
}

// "; facts 0.612 s/GiB" for a gateway phase's note, or why it is n/a.
std::string FactsNote(const FactExtraction& facts, const absl::Status& start,
                      const absl::Status& end) {
  if (!start.ok()) return absl::StrCat("; facts n/a (", start.ToString(), ")");
  if (!end.ok()) return absl::StrCat("; facts n/a (", end.ToString(), ")");
  if (!facts.measured) return "; facts n/a (a counter went back: did the gateway restart?)";
  const std::optional<double> per_gib = FactsSecondsPerGib(facts);
  if (!per_gib.has_value()) return "; facts n/a (no bytes read)";
  return absl::StrCat("; facts ", FormatSignificant(*per_gib), " s/GiB");
}

absl::Status Annotate(const absl::Status& status, absl::string_view phase) {
  return absl::Status(status.code(), absl::StrCat(phase, ": ", status.message()));
}

class Bench {
 public:
  explicit Bench(const BenchOptions& options) : options_(options) {}

  absl::Status Setup() {
    RETURN_IF_ERROR(results_.Open(options_.results_jsonl));
    std::vector<std::string> sizes;
    for (const int64_t size : options_.sizes) sizes.push_back(SizeLabel(size));
    Note(absl::StrFormat(
        "gateway %s, kafka %s topic %s; sizes %s; %s warm-up + %s per throughput phase, "
        "%s + %s per latency phase; %d interleaved run(s) per side (%s of phases)%s",
        options_.gateway_address, options_.kafka_bootstrap, options_.topic,
        absl::StrJoin(sizes, ","), absl::FormatDuration(options_.warmup),
        absl::FormatDuration(options_.window), absl::FormatDuration(options_.latency_warmup),
        absl::FormatDuration(options_.latency_window), options_.runs,
        absl::FormatDuration(PlannedPhaseTime(options_)), options_.quick ? "; QUICK" : ""));
    results_.Write(JsonLine()
                       .Add("kind", "run")
                       .Add("started_at", absl::FormatTime(absl::RFC3339_sec, absl::Now(),
                                                           absl::UTCTimeZone()))
                       .Add("quick", options_.quick)
                       .Add("sizes", absl::StrJoin(sizes, ","))
                       .Add("warmup_s", absl::ToDoubleSeconds(options_.warmup))
                       .Add("window_s", absl::ToDoubleSeconds(options_.window))
                       .Add("latency_warmup_s", absl::ToDoubleSeconds(options_.latency_warmup))
                       .Add("latency_window_s", absl::ToDoubleSeconds(options_.latency_window))
                       .Add("runs", options_.runs)
                       .Add("channels", options_.channels)
                       .Add("cpus", static_cast<int64_t>(std::thread::hardware_concurrency()))
                       .Add("topic", options_.topic)
                       .Build());

    const int count = SessionsNeeded(options_);
    absl::StatusOr<std::unique_ptr<client::Client>> client = CreateBenchClient(
        {.address = options_.gateway_address,
         .api_key = options_.api_key,
         .channels = options_.channels,
         .call_deadline = options_.call_timeout,
         .stream_deadline = options_.stream_timeout,
         .give_up_after = options_.give_up_after,
         .stream_threshold_bytes = StreamThresholdBytes(options_),
         .stream_chunk_bytes = options_.stream_chunk_bytes,
         .max_lanes = count,
         .max_payload_bytes = StreamThresholdBytes(options_)},
        backpressure_);
    if (!client.ok()) return Annotate(client.status(), "client");
    client_ = *std::move(client);

    absl::StatusOr<std::vector<std::unique_ptr<client::Session>>> sessions =
        StartSessions(*client_, count, options_.project_id, "gateway_bench");
    if (!sessions.ok()) return Annotate(sessions.status(), "create sessions");
    sessions_ = *std::move(sessions);
    Note(absl::StrCat(count, " sessions created"));

    ProducerOptions producer;  // the gateway's defaults: acks=all, idempotence, zstd, linger 5ms
    producer.bootstrap_servers = options_.kafka_bootstrap;
    producer.client_id = "gateway-bench-raw";
    absl::StatusOr<std::unique_ptr<Producer>> created = CreateRdKafkaProducer(producer);
    if (!created.ok()) return Annotate(created.status(), "raw producer");
    producer_ = *std::move(created);
    if (absl::Status status = producer_->CheckReachable(options_.topic, kKafkaCheckTimeout);
        !status.ok()) {
      return Annotate(status, "raw producer");
    }
    SetUpFactsProbe();
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<StreamResult>> MeasureStream() {
    if (options_.gateway_pid == 0) {
      Note("memory phase skipped (no --gateway_pid)");
      return std::nullopt;
    }
    if (options_.stream_bytes == 0) {
      Note("memory phase skipped (--stream_bytes=0)");
      return std::nullopt;
    }
    const std::string label = SizeLabel(options_.stream_bytes);
    const size_t block_bytes = static_cast<size_t>(kStreamBlockBytes);
    const loadgen::PayloadFactory factory(
        {.seed = 7, .min_bytes = block_bytes, .max_bytes = block_bytes});
    absl::StatusOr<v1::PayloadContent> content =
        MakeStreamContent(options_.stream_bytes, factory.Make(0, 1).events());
    if (!content.ok()) return Annotate(content.status(), "stream content");

    std::vector<int64_t> idle;
    for (int i = 0; i < kIdleSamples; ++i) {
      if (i > 0) absl::SleepFor(kIdleSampleGap);
      absl::StatusOr<int64_t> rss = ReadVmRssBytes(options_.gateway_pid);
      if (!rss.ok()) return Annotate(rss.status(), "gateway RSS");
      idle.push_back(*rss);
    }
    std::sort(idle.begin(), idle.end());
    StreamResult result;
    result.total_bytes = options_.stream_bytes;
    result.chunk_bytes = options_.stream_chunk_bytes;
    result.idle_rss_bytes = idle[idle.size() / 2];

    // The SDK streams it (above its threshold); it says nothing until the
    // answer, so the bar shows time against a guess of 100 MB/s.
    RssSampler sampler(options_.gateway_pid, options_.rss_interval);
    PhaseProgress progress(
        stderr, absl::StrCat("stream ", label, " through PushPayloadStream"),
        absl::Seconds(static_cast<double>(options_.stream_bytes) / (100 << 20)), [&] {
          return absl::StrFormat("gateway rss %.1f MB (idle %.1f)",
                                 static_cast<double>(sampler.peak_bytes()) / (1 << 20),
                                 static_cast<double>(result.idle_rss_bytes) / (1 << 20));
        });
    const absl::Time start = absl::Now();
    absl::StatusOr<client::PushResult> pushed = sessions_[0]->Push(*std::move(content));
    result.elapsed = absl::Now() - start;
    sampler.Stop();
    progress.Finish();
    if (!pushed.ok()) return Annotate(pushed.status(), "memory phase");
    if (!pushed->streamed) return absl::InternalError("memory phase: the SDK did not stream");
    if (!sampler.status().ok()) return Annotate(sampler.status(), "memory phase");
    (void)backpressure_.Take();  // the throughput phases count their own
    result.chunk_records = static_cast<int>(pushed->chunk_count);
    result.peak_rss_bytes = sampler.peak_bytes();
    result.rss_samples = sampler.samples();
    Note(absl::StrFormat("  stream: %s in %.1fs as %d records; gateway rss idle %.1f MB, "
                         "peak %.1f MB",
                         label, absl::ToDoubleSeconds(result.elapsed), result.chunk_records,
                         static_cast<double>(result.idle_rss_bytes) / (1 << 20),
                         static_cast<double>(result.peak_rss_bytes) / (1 << 20)));
    results_.Write(StreamResultJson(result));
    return result;
  }

  absl::StatusOr<SizeResult> MeasureSize(int64_t size) {
    const std::string label = SizeLabel(size);
    const PayloadPoolOptions pool_options{.message_bytes = size,
                                          .pool_bytes = options_.pool_bytes,
                                          .project_id = options_.project_id};
    Note(absl::StrCat(label, ": building ", PoolMessageCount(pool_options), " distinct bodies"));
    const PayloadPool pool = PayloadPool::Build(pool_options);

    const int raw_lanes = RawLanesFor(options_, size);
    const int gateway_lanes = GatewayLanesFor(options_, size);
    RawSink raw(*producer_, options_.topic, pool, timer_, raw_lanes);
    const ContentSource bodies = [&pool](uint64_t k) -> const v1::PayloadContent& {
      return pool.content(k);
    };
    SdkSink gateway(sessions_, gateway_lanes, bodies, backpressure_);
    // Open loop: every session, so a session's own previous call rarely
    // delays a message.
    SdkSink gateway_all(sessions_, static_cast<int>(sessions_.size()), bodies, backpressure_);

    SizeResult result;
    result.size_bytes = size;
    // Interleaved (raw 1, gateway 1, raw 2, ...): drift of the machine hits
    // both sides alike, and each pair's ratio compares neighbours in time.
    std::vector<ThroughputStats> raw_runs;
    std::vector<ThroughputStats> gateway_runs;
    for (int run = 1; run <= options_.runs; ++run) {
      const std::string of =
          options_.runs > 1 ? absl::StrCat(" (run ", run, "/", options_.runs, ")") : "";
      absl::StatusOr<ThroughputStats> throughput =
          Throughput(raw, absl::StrCat(label, " raw max throughput", of), nullptr);
      if (!throughput.ok()) return throughput.status();
      if (throughput->msgs_per_s <= 0) {
        return absl::UnavailableError(
            absl::StrCat(label, ": the raw producer acknowledged nothing", of));
      }
      raw_runs.push_back(*throughput);
      result.raw_runs_msgs_per_s.push_back(throughput->msgs_per_s);
      throughput = Throughput(gateway, absl::StrCat(label, " gateway max throughput", of),
                              facts_probe_ ? &*facts_probe_ : nullptr);
      if (!throughput.ok()) return throughput.status();
      gateway_runs.push_back(*throughput);
      result.gateway_runs_msgs_per_s.push_back(throughput->msgs_per_s);
    }
    result.raw_throughput = raw_runs[MedianIndex(result.raw_runs_msgs_per_s)];
    result.gateway_throughput = gateway_runs[MedianIndex(result.gateway_runs_msgs_per_s)];
    if (options_.runs > 1) {
      const RunSpread spread = RatioSpread(result);
      Note(absl::StrFormat("  %s: ratio %.2f, the median of %d interleaved runs (%s)", label,
                           spread.median, spread.runs, FormatRatioSpread(spread)));
    }

    // A rate both sides sustain: half of the slower side's maximum.
    const double rate = LatencyRate(result.gateway_throughput.msgs_per_s,
                                    result.raw_throughput.msgs_per_s);
    if (rate <= 0) {
      return absl::UnavailableError(absl::StrCat(label, ": the gateway acknowledged nothing"));
    }
    absl::StatusOr<LatencyStats> latency =
        Latency(raw, rate, absl::StrCat(label, " raw latency @", FormatSignificant(rate), "/s"));
    if (!latency.ok()) return latency.status();
    result.raw_latency = *latency;
    latency = Latency(gateway_all, rate,
                      absl::StrCat(label, " gateway latency @", FormatSignificant(rate), "/s"));
    if (!latency.ok()) return latency.status();
    result.gateway_latency = *latency;
    results_.Write(SizeResultJson(result));
    return result;
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
    absl::StatusOr<GatewayFactsProbe> probe =
        GatewayFactsProbe::Create(options_.gateway_metrics_url, options_.metrics_timeout);
    absl::Status status = probe.status();
    if (probe.ok()) status = probe->Read().status();
    if (!status.ok()) {
      Note(absl::StrCat("warning: facts_s_per_gib not measured: ", status.ToString()));
      return;
    }
    facts_probe_.emplace(*std::move(probe));
  }

  // A closed-loop phase. With `facts` (the gateway side), the gateway's
  // fact extraction counters are read as the window opens and closes, each
  // right after the CPU readings, so a slow read shortens nothing measured.
  absl::StatusOr<ThroughputStats> Throughput(MessageSink& sink, const std::string& title,
                                             const GatewayFactsProbe* facts) {
    PhaseCounters counters;
    PhaseProgress progress(stderr, title, options_.warmup + options_.window,
                           AckRateDetail(counters));
    CpuReadings start;
    CpuReadings end;
    absl::StatusOr<FactCounters> facts_start = absl::UnknownError("not read");
    absl::StatusOr<FactCounters> facts_end = absl::UnknownError("not read");
    absl::StatusOr<ThroughputStats> stats = RunClosedLoop(
        sink,
        {.lanes = sink.lane_count(),
         .warmup = options_.warmup,
         .window = options_.window,
         .drain_timeout = options_.drain_timeout,
         .on_window_start =
             [&] {
               start = ReadCpu();
               if (facts != nullptr) facts_start = facts->Read();
             },
         .on_window_end =
             [&] {
               end = ReadCpu();
               if (facts != nullptr) facts_end = facts->Read();
             }},
        counters);
    progress.Finish();
    if (!stats.ok()) return Annotate(stats.status(), title);
    const absl::Duration wall = end.at - start.at;
    stats->cpu = {.client = CoresUsed(start.client, end.client, wall),
                  .gateway = CoresUsed(start.gateway, end.gateway, wall),
                  .kafka = CoresUsed(start.kafka, end.kafka, wall)};
    std::string facts_note;
    if (facts != nullptr) {
      if (facts_start.ok() && facts_end.ok()) {
        stats->facts = FactExtractionBetween(*facts_start, *facts_end);
      }
      facts_note = FactsNote(stats->facts, facts_start.status(), facts_end.status());
    }
    Note(absl::StrFormat(
        "  %s: %s msg/s (%d in window of %s, %d in flight, %d backpressure retries; "
        "cores: client %.2f, gateway %.2f, kafka %.2f%s)",
        title, FormatSignificant(stats->msgs_per_s), stats->acked,
        absl::FormatDuration(stats->window), stats->lanes, stats->backpressure_retries,
        stats->cpu.client, stats->cpu.gateway, stats->cpu.kafka, facts_note));
    return stats;
  }

  // CPU time so far of this process, the gateway and the broker.
  struct CpuReadings {
    absl::Time at;
    absl::StatusOr<absl::Duration> client = absl::UnknownError("not read");
    absl::StatusOr<absl::Duration> gateway = absl::UnknownError("not read");
    absl::StatusOr<absl::Duration> kafka = absl::UnknownError("not read");
  };

  CpuReadings ReadCpu() const {
    CpuReadings readings;
    readings.at = absl::Now();
    readings.client = ReadProcessCpu(0);
    if (options_.gateway_pid > 0) readings.gateway = ReadProcessCpu(options_.gateway_pid);
    if (options_.kafka_pid > 0) readings.kafka = ReadProcessCpu(options_.kafka_pid);
    return readings;
  }

  absl::StatusOr<LatencyStats> Latency(MessageSink& sink, double rate, const std::string& title) {
    PhaseCounters counters;
    PhaseProgress progress(stderr, title, options_.latency_warmup + options_.latency_window,
                           AckRateDetail(counters));
    absl::StatusOr<LatencyStats> stats = RunOpenLoop(
        sink,
        {.rate_per_s = rate,
         .lanes = sink.lane_count(),
         .warmup = options_.latency_warmup,
         .window = options_.latency_window,
         .drain_timeout = options_.drain_timeout},
        counters);
    progress.Finish();
    if (!stats.ok()) return Annotate(stats.status(), title);
    Note(absl::StrFormat(
        "  %s: p50 %s ms, p99 %s ms, max %s ms over %d messages%s", title,
        FormatSignificant(absl::ToDoubleMilliseconds(stats->latency.p50)),
        FormatSignificant(absl::ToDoubleMilliseconds(stats->latency.p99)),
        FormatSignificant(absl::ToDoubleMilliseconds(stats->latency.max)), stats->latency.count,
        stats->abandoned > 0
            ? absl::StrCat(" (", stats->abandoned, " never sent: the rate was not sustained)")
            : ""));
    return stats;
  }

  const BenchOptions& options_;
  ResultsFile results_;
  // Destroyed in reverse: the timer (joined) and the Client (its callbacks
  // run) before the sinks' collaborators.
  BackpressureCount backpressure_;  // the Client's observer
  std::vector<std::unique_ptr<client::Session>> sessions_;
  std::unique_ptr<client::Client> client_;
  std::unique_ptr<Producer> producer_;
  std::optional<GatewayFactsProbe> facts_probe_;  // set by Setup with --gateway_metrics_url
  Timer timer_;
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
  absl::StatusOr<std::optional<StreamResult>> stream = bench.MeasureStream();
  if (!stream.ok()) ExitAfterError(stream.status(), lines);

  std::vector<SizeResult> results;
  for (const int64_t size : options.sizes) {
    absl::StatusOr<SizeResult> result = bench.MeasureSize(size);
    if (!result.ok()) ExitAfterError(result.status(), lines);
    results.push_back(*result);
    lines.push_back(FormatSizeLine(*result));
    Note(lines.back());
  }
  if (stream->has_value()) lines.push_back(FormatStreamLine(**stream));

  const std::vector<TargetCheck> checks = EvaluateTargets(results, *stream, options.targets);
  for (const TargetCheck& check : checks) bench.results().Write(TargetJson(check));
  lines.push_back(FormatTargetsLine(checks));
  for (const std::string& line : lines) Print(line);
  return 0;
}

}  // namespace ingest::bench
