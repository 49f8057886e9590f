#include "bench/gateway/gateway_report.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "bench/common/report.h"
#include "bench/common/run_spread.h"
#include "bench/common/size_label.h"

namespace ingest::bench {
namespace {

using ::google::protobuf::ListValue;
using ::google::protobuf::RepeatedPtrField;

constexpr double kNotMeasured = std::numeric_limits<double>::quiet_NaN();

double Ms(absl::Duration duration) { return absl::ToDoubleMilliseconds(duration); }

// [[milliseconds, fraction], ...]
void AddCdf(const LatencySummary& latency, RepeatedPtrField<ListValue>& cdf) {
  for (const CdfPoint& point : latency.cdf) {
    ListValue* pair = cdf.Add();
    pair->add_values()->set_number_value(Ms(point.latency));
    pair->add_values()->set_number_value(point.fraction);
  }
}

// Gateway p99 over raw p99 at the latency rate; nullopt if either is missing.
std::optional<double> P99VsRaw(const LatencyStats& raw, const LatencyStats& gateway) {
  if (gateway.latency.count == 0 || raw.latency.count == 0 ||
      raw.latency.p99 <= absl::ZeroDuration()) {
    return std::nullopt;
  }
  return Ms(gateway.latency.p99) / Ms(raw.latency.p99);
}

RunSpread RatioSpread(const GatewaySizeRecord& size) {
  return {.runs = size.runs(),
          .median = size.ratio(),
          .min = size.ratio_spread_min(),
          .max = size.ratio_spread_max()};
}

}  // namespace

const ThroughputRun& MedianRun(absl::Span<const ThroughputRun> runs) {
  std::vector<double> rates;
  for (const ThroughputRun& run : runs) rates.push_back(run.stats.msgs_per_s);
  return runs[static_cast<size_t>(MedianIndex(rates))];
}

double LatencyRate(double gateway_msgs_per_s, double raw_msgs_per_s) {
  if (!(gateway_msgs_per_s > 0) || !(raw_msgs_per_s > 0)) return 0;
  return std::min(gateway_msgs_per_s, raw_msgs_per_s) / 2;
}

GatewaySizeRecord SizeRecord(int64_t size_bytes, absl::Span<const ThroughputRun> raw,
                             absl::Span<const ThroughputRun> gateway,
                             const LatencyStats& raw_latency, const LatencyStats& gateway_latency) {
  GatewaySizeRecord r;
  r.set_kind("size");
  r.set_size(SizeLabel(size_bytes));
  r.set_size_bytes(static_cast<int32_t>(size_bytes));
  for (const ThroughputRun& run : raw) r.add_raw_runs_msgs_per_s(run.stats.msgs_per_s);
  for (const ThroughputRun& run : gateway) r.add_gateway_runs_msgs_per_s(run.stats.msgs_per_s);
  for (size_t i = 0; i < std::min(raw.size(), gateway.size()); ++i) {
    const double raw_rate = raw[i].stats.msgs_per_s;
    if (raw_rate > 0) r.add_ratio_runs(gateway[i].stats.msgs_per_s / raw_rate);
  }
  const RunSpread spread = SpreadOf(r.ratio_runs());
  r.set_ratio(spread.median);
  r.set_runs(spread.runs);
  r.set_ratio_spread_min(spread.min);
  r.set_ratio_spread_max(spread.max);
  r.set_latency_rate_per_s(gateway_latency.rate_per_s);
  *r.mutable_p99_vs_raw() = Nullable(P99VsRaw(raw_latency, gateway_latency).value_or(kNotMeasured));

  const ThroughputRun& g = MedianRun(gateway);
  r.set_gateway_msgs_per_s(g.stats.msgs_per_s);
  r.set_gateway_lanes(g.stats.lanes);
  r.set_gateway_acked(static_cast<int32_t>(g.stats.acked));
  r.set_gateway_window_s(absl::ToDoubleSeconds(g.stats.window));
  r.set_gateway_backpressure_retries(static_cast<int32_t>(g.stats.backpressure_retries));
  r.set_gateway_cpu_client_cores(g.cpu.client);
  r.set_gateway_cpu_gateway_cores(g.cpu.gateway);
  r.set_gateway_cpu_kafka_cores(g.cpu.kafka);

  const ThroughputRun& w = MedianRun(raw);
  r.set_raw_msgs_per_s(w.stats.msgs_per_s);
  r.set_raw_lanes(w.stats.lanes);
  r.set_raw_acked(static_cast<int32_t>(w.stats.acked));
  r.set_raw_window_s(absl::ToDoubleSeconds(w.stats.window));
  r.set_raw_backpressure_retries(static_cast<int32_t>(w.stats.backpressure_retries));
  r.set_raw_cpu_client_cores(w.cpu.client);
  r.set_raw_cpu_gateway_cores(w.cpu.gateway);
  r.set_raw_cpu_kafka_cores(w.cpu.kafka);

  const LatencyStats& gl = gateway_latency;
  r.set_gateway_latency_rate_per_s(gl.rate_per_s);
  r.set_gateway_latency_lanes(gl.lanes);
  r.set_gateway_latency_samples(static_cast<int32_t>(gl.latency.count));
  r.set_gateway_latency_p50_ms(Ms(gl.latency.p50));
  r.set_gateway_latency_p99_ms(Ms(gl.latency.p99));
  r.set_gateway_latency_max_ms(Ms(gl.latency.max));
  r.set_gateway_latency_abandoned(static_cast<int32_t>(gl.abandoned));
  r.set_gateway_latency_backpressure_retries(static_cast<int32_t>(gl.backpressure_retries));
  AddCdf(gl.latency, *r.mutable_gateway_latency_cdf());

  const LatencyStats& rl = raw_latency;
  r.set_raw_latency_rate_per_s(rl.rate_per_s);
  r.set_raw_latency_lanes(rl.lanes);
  r.set_raw_latency_samples(static_cast<int32_t>(rl.latency.count));
  r.set_raw_latency_p50_ms(Ms(rl.latency.p50));
  r.set_raw_latency_p99_ms(Ms(rl.latency.p99));
  r.set_raw_latency_max_ms(Ms(rl.latency.max));
  r.set_raw_latency_abandoned(static_cast<int32_t>(rl.abandoned));
  r.set_raw_latency_backpressure_retries(static_cast<int32_t>(rl.backpressure_retries));
  AddCdf(rl.latency, *r.mutable_raw_latency_cdf());

  // The gateway's median run's fact extraction.
  const std::optional<FactCounters>& facts = g.facts;
  *r.mutable_facts_s_per_gib() =
      Nullable(facts ? FactsSecondsPerGib(*facts).value_or(kNotMeasured) : kNotMeasured);
  *r.mutable_gateway_facts_seconds() = Nullable(facts ? facts->seconds : kNotMeasured);
  *r.mutable_gateway_facts_bytes() = Nullable(facts ? facts->bytes : kNotMeasured);
  return r;
}

GatewayStreamRecord StreamRecord(const StreamResult& result) {
  const double seconds = absl::ToDoubleSeconds(result.elapsed);
  const double total_mb = ToMb(result.total_bytes);
  GatewayStreamRecord record;
  record.set_kind("stream");
  record.set_total_bytes(static_cast<double>(result.total_bytes));
  record.set_chunk_bytes(static_cast<double>(result.chunk_bytes));
  record.set_chunk_records(static_cast<int32_t>(result.chunk_records));
  record.set_elapsed_s(seconds);
  record.set_mb_per_s(seconds > 0 ? total_mb / seconds : 0);
  record.set_idle_rss_mb(ToMb(result.idle_rss_bytes));
  record.set_peak_rss_mb(ToMb(result.peak_rss_bytes));
  record.set_rss_growth_mb(ToMb(result.peak_rss_bytes - result.idle_rss_bytes));
  record.set_rss_samples(static_cast<int32_t>(result.rss_samples));
  return record;
}

std::string FormatSizeLine(const GatewaySizeRecord& size) {
  const std::optional<double> p99_vs_raw = NumberOf(size.p99_vs_raw());
  const std::optional<double> facts_s_per_gib = NumberOf(size.facts_s_per_gib());
  return absl::StrCat(
      "bench gateway: size=", size.size(),
      " gateway_msgs_per_s=", FormatSignificant(size.gateway_msgs_per_s()),
      " raw_msgs_per_s=", FormatSignificant(size.raw_msgs_per_s()),
      " ratio=", absl::StrFormat("%.2f", size.ratio()),
      " p50_ms=", FormatSignificant(size.gateway_latency_p50_ms()),
      " p99_ms=", FormatSignificant(size.gateway_latency_p99_ms()),
      " raw_p99_ms=", FormatSignificant(size.raw_latency_p99_ms()),
      " ratio_spread=", FormatRatioSpread(RatioSpread(size)), " runs=", size.runs(),
      " latency_rate_per_s=", FormatSignificant(size.latency_rate_per_s()),
      " p99_vs_raw=", p99_vs_raw.has_value() ? absl::StrFormat("%.2f", *p99_vs_raw) : "-",
      " facts_s_per_gib=",
      facts_s_per_gib.has_value() ? FormatSignificant(*facts_s_per_gib) : "n/a");
}

std::string FormatStreamLine(const GatewayStreamRecord& stream) {
  return absl::StrCat("bench gateway: stream_",
                      SizeLabel(static_cast<int64_t>(stream.total_bytes())),
                      " rss_growth_mb=", FormatSignificant(stream.rss_growth_mb()));
}

std::vector<TargetCheck> EvaluateTargets(absl::Span<const GatewaySizeRecord> sizes,
                                         const std::optional<GatewayStreamRecord>& stream,
                                         const Targets& targets) {
  std::vector<TargetCheck> checks;

  for (const RatioTarget& target : targets.ratios) {
    RunSpread ratios;
    for (const GatewaySizeRecord& size : sizes) {
      if (size.size_bytes() == target.size_bytes) ratios = RatioSpread(size);
    }
    checks.push_back(RatioCheck(target, ratios));
  }

  TargetCheck p99{.name = absl::StrCat("p99<=", targets.max_p99_vs_raw, "x_raw_p99")};
  std::vector<std::string> per_size;
  std::vector<std::string> over;
  bool all_measured = !sizes.empty();
  for (const GatewaySizeRecord& size : sizes) {
    const std::optional<double> factor = NumberOf(size.p99_vs_raw());
    if (!factor.has_value()) {
      all_measured = false;
      per_size.push_back(absl::StrCat(size.size(), " -"));
      continue;
    }
    per_size.push_back(absl::StrCat(size.size(), " ", FormatSignificant(*factor, 2), "x"));
    if (*factor > targets.max_p99_vs_raw) over.push_back(size.size());
  }
  p99.measured = all_measured;
  p99.held = all_measured && over.empty();
  p99.detail = absl::StrJoin(per_size, ", ");
  if (!over.empty()) {
    p99.detail = absl::StrCat("over at ", absl::StrJoin(over, ","), ": ", p99.detail);
  }
  checks.push_back(p99);

  TargetCheck rss{.name = absl::StrCat("rss_growth<=", targets.max_rss_growth_mb, "MB")};
  if (stream.has_value()) {
    rss.measured = true;
    rss.held = stream->rss_growth_mb() <= targets.max_rss_growth_mb;
    rss.detail = absl::StrCat(FormatSignificant(stream->rss_growth_mb()), " MB while streaming ",
                              SizeLabel(static_cast<int64_t>(stream->total_bytes())));
  }
  checks.push_back(rss);
  return checks;
}

}  // namespace ingest::bench
