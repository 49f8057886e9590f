#include "bench/gateway/phases.h"

#include <unistd.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/common/console.h"
#include "bench/common/process_usage.h"
#include "bench/common/progress.h"
#include "bench/common/report.h"
#include "services/common/status/status_context.h"

namespace ingest::bench {
namespace {

// "; facts 0.612 s/GiB" for a gateway phase's note, or why it is n/a.
std::string FactsNote(const absl::StatusOr<FactCounters>& start,
                      const absl::StatusOr<FactCounters>& end,
                      const std::optional<FactCounters>& facts) {
  if (!start.ok()) return absl::StrCat("; facts n/a (", start.status().ToString(), ")");
  if (!end.ok()) return absl::StrCat("; facts n/a (", end.status().ToString(), ")");
  if (!facts.has_value()) return "; facts n/a (a counter went back: did the gateway restart?)";
  const std::optional<double> per_gib = FactsSecondsPerGib(*facts);
  if (!per_gib.has_value()) return "; facts n/a (no bytes read)";
  return absl::StrCat("; facts ", FormatSignificant(*per_gib), " s/GiB");
}

}  // namespace

absl::StatusOr<ThroughputRun> MeasureThroughput(MessageSink& sink, const std::string& title,
                                                const BenchOptions& options,
                                                const GatewayFactsProbe* facts) {
  PhaseCounters counters;
  PhaseProgress progress(stderr, title, options.warmup + options.window, AckRateDetail(counters));
  CpuReading start;
  CpuReading end;
  absl::StatusOr<FactCounters> facts_start = absl::UnknownError("not read");
  absl::StatusOr<FactCounters> facts_end = absl::UnknownError("not read");
  const auto read = [&](CpuReading& cpu, absl::StatusOr<FactCounters>& counters) {
    // CPU time so far of this process, the gateway and the broker.
    cpu = ReadCpu({{getpid()}, {options.gateway_pid}, {options.kafka_pid}});
    if (facts != nullptr) counters = facts->Read();
  };
  absl::StatusOr<ThroughputStats> stats =
      RunClosedLoop(sink,
                    {.lanes = sink.lane_count(),
                     .warmup = options.warmup,
                     .window = options.window,
                     .drain_timeout = options.drain_timeout,
                     .on_window_start = [&] { read(start, facts_start); },
                     .on_window_end = [&] { read(end, facts_end); }},
                    counters);
  progress.Finish();
  if (!stats.ok()) return WithContext(stats.status(), title);
  const std::vector<double> cores = CoresBetween(start, end);
  ThroughputRun run{.stats = *stats,
                    .cpu = {.client = cores[0], .gateway = cores[1], .kafka = cores[2]}};
  std::string facts_note;
  if (facts != nullptr) {
    if (facts_start.ok() && facts_end.ok()) {
      run.facts = FactExtractionBetween(*facts_start, *facts_end);
    }
    facts_note = FactsNote(facts_start, facts_end, run.facts);
  }
  Note(absl::StrFormat(
      "  %s: %s msg/s (%d in window of %s, %d in flight, %d backpressure retries; "
      "cores: client %.2f, gateway %.2f, kafka %.2f%s)",
      title, FormatSignificant(stats->msgs_per_s), stats->acked,
      absl::FormatDuration(stats->window), stats->lanes, stats->backpressure_retries,
      run.cpu.client, run.cpu.gateway, run.cpu.kafka, facts_note));
  return run;
}

absl::StatusOr<LatencyStats> MeasureLatency(MessageSink& sink, double rate,
                                            const std::string& title, const BenchOptions& options) {
  PhaseCounters counters;
  PhaseProgress progress(stderr, title, options.latency_warmup + options.latency_window,
                         AckRateDetail(counters));
  absl::StatusOr<LatencyStats> stats = RunOpenLoop(sink,
                                                   {.rate_per_s = rate,
                                                    .lanes = sink.lane_count(),
                                                    .warmup = options.latency_warmup,
                                                    .window = options.latency_window,
                                                    .drain_timeout = options.drain_timeout},
                                                   counters);
  progress.Finish();
  if (!stats.ok()) return WithContext(stats.status(), title);
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

}  // namespace ingest::bench
