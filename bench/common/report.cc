#include "bench/common/report.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "bench/common/json_line.h"
#include "bench/common/size_label.h"

namespace ingest::bench {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;
constexpr double kGiB = 1024.0 * kMiB;

double Ms(absl::Duration duration) { return absl::ToDoubleMilliseconds(duration); }

std::string RatioDetail(const SizeResult& result) {
  const RunSpread spread = RatioSpread(result);
  if (spread.runs <= 1) return absl::StrFormat("%.2f", ThroughputRatio(result));
  return absl::StrFormat("%.2f, runs %s", spread.median, FormatRatioSpread(spread));
}

void AddThroughput(JsonLine& line, absl::string_view prefix, const ThroughputStats& stats) {
  line.Add(absl::StrCat(prefix, "_msgs_per_s"), stats.msgs_per_s)
      .Add(absl::StrCat(prefix, "_lanes"), stats.lanes)
      .Add(absl::StrCat(prefix, "_acked"), stats.acked)
      .Add(absl::StrCat(prefix, "_window_s"), absl::ToDoubleSeconds(stats.window))
      .Add(absl::StrCat(prefix, "_backpressure_retries"), stats.backpressure_retries)
      .Add(absl::StrCat(prefix, "_cpu_client_cores"), stats.cpu.client)
      .Add(absl::StrCat(prefix, "_cpu_gateway_cores"), stats.cpu.gateway)
      .Add(absl::StrCat(prefix, "_cpu_kafka_cores"), stats.cpu.kafka);
}

void AddLatency(JsonLine& line, absl::string_view prefix, const LatencyStats& stats) {
  line.Add(absl::StrCat(prefix, "_rate_per_s"), stats.rate_per_s)
      .Add(absl::StrCat(prefix, "_lanes"), stats.lanes)
      .Add(absl::StrCat(prefix, "_samples"), stats.latency.count)
      .Add(absl::StrCat(prefix, "_p50_ms"), Ms(stats.latency.p50))
      .Add(absl::StrCat(prefix, "_p99_ms"), Ms(stats.latency.p99))
      .Add(absl::StrCat(prefix, "_max_ms"), Ms(stats.latency.max))
      .Add(absl::StrCat(prefix, "_abandoned"), stats.abandoned)
      .Add(absl::StrCat(prefix, "_backpressure_retries"), stats.backpressure_retries);
  std::vector<std::pair<double, double>> cdf;  // [milliseconds, fraction]
  for (const CdfPoint& point : stats.latency.cdf) cdf.emplace_back(Ms(point.latency), point.fraction);
  line.AddPoints(absl::StrCat(prefix, "_cdf"), cdf);
}

}  // namespace

std::string FormatSignificant(double value, int digits) {
  if (!std::isfinite(value)) return std::isnan(value) ? "nan" : (value > 0 ? "inf" : "-inf");
  if (value == 0) return "0";
  const double magnitude = std::floor(std::log10(std::fabs(value)));
  int decimals = std::max(0, digits - 1 - static_cast<int>(magnitude));
  // 9.996 with 2 decimals rounds up to 10.00: one digit too many.
  const double scale = std::pow(10.0, decimals);
  const double rounded = std::round(value * scale) / scale;
  if (decimals > 0 && std::fabs(rounded) >= std::pow(10.0, magnitude + 1)) {
    --decimals;
  }
  std::string text = absl::StrFormat("%.*f", decimals, value);
  if (text == "-0") text = "0";
  return text;
}

std::optional<double> P99VsRaw(const SizeResult& result) {
  if (result.gateway_latency.latency.count == 0 || result.raw_latency.latency.count == 0 ||
      result.raw_latency.latency.p99 <= absl::ZeroDuration()) {
    return std::nullopt;
  }
  return Ms(result.gateway_latency.latency.p99) / Ms(result.raw_latency.latency.p99);
}

std::vector<double> RatioRuns(const SizeResult& result) {
  std::vector<double> ratios;
  if (result.raw_runs_msgs_per_s.empty()) {
    if (result.raw_throughput.msgs_per_s > 0) {
      ratios.push_back(result.gateway_throughput.msgs_per_s / result.raw_throughput.msgs_per_s);
    }
    return ratios;
  }
  const size_t pairs =
      std::min(result.raw_runs_msgs_per_s.size(), result.gateway_runs_msgs_per_s.size());
  for (size_t i = 0; i < pairs; ++i) {
    if (result.raw_runs_msgs_per_s[i] > 0) {
      ratios.push_back(result.gateway_runs_msgs_per_s[i] / result.raw_runs_msgs_per_s[i]);
    }
  }
  return ratios;
}

RunSpread RatioSpread(const SizeResult& result) { return SpreadOf(RatioRuns(result)); }

double ThroughputRatio(const SizeResult& result) { return RatioSpread(result).median; }

double LatencyRate(double gateway_msgs_per_s, double raw_msgs_per_s) {
  if (!(gateway_msgs_per_s > 0) || !(raw_msgs_per_s > 0)) return 0;
  return std::min(gateway_msgs_per_s, raw_msgs_per_s) / 2;
}

std::optional<double> FactsSecondsPerGib(const FactExtraction& facts) {
  if (!facts.measured || !(facts.bytes > 0)) return std::nullopt;
  return facts.seconds / (facts.bytes / kGiB);
}

double RssGrowthMb(const StreamResult& result) {
  return static_cast<double>(result.peak_rss_bytes - result.idle_rss_bytes) / kMiB;
}

std::string FormatSizeLine(const SizeResult& result) {
  const std::optional<double> facts_s_per_gib =
      FactsSecondsPerGib(result.gateway_throughput.facts);
  return absl::StrCat(
      "bench gateway: size=", SizeLabel(result.size_bytes),
      " gateway_msgs_per_s=", FormatSignificant(result.gateway_throughput.msgs_per_s),
      " raw_msgs_per_s=", FormatSignificant(result.raw_throughput.msgs_per_s),
      " ratio=", absl::StrFormat("%.2f", ThroughputRatio(result)),
      " p50_ms=", FormatSignificant(Ms(result.gateway_latency.latency.p50)),
      " p99_ms=", FormatSignificant(Ms(result.gateway_latency.latency.p99)),
      " raw_p99_ms=", FormatSignificant(Ms(result.raw_latency.latency.p99)),
      " ratio_spread=", FormatRatioSpread(RatioSpread(result)),
      " runs=", RatioSpread(result).runs,
      " latency_rate_per_s=", FormatSignificant(result.gateway_latency.rate_per_s),
      " p99_vs_raw=", P99VsRaw(result).has_value() ? absl::StrFormat("%.2f", *P99VsRaw(result))
                                                   : std::string("-"),
      " facts_s_per_gib=", facts_s_per_gib.has_value() ? FormatSignificant(*facts_s_per_gib)
                                                       : std::string("n/a"));
}

std::string FormatStreamLine(const StreamResult& result) {
  return absl::StrCat("bench gateway: stream_", SizeLabel(result.total_bytes),
                      " rss_growth_mb=", FormatSignificant(RssGrowthMb(result)));
}

std::vector<TargetCheck> EvaluateTargets(absl::Span<const SizeResult> results,
                                         const std::optional<StreamResult>& stream,
                                         const Targets& targets) {
  std::vector<TargetCheck> checks;

  for (const RatioTarget& target : targets.ratios) {
    TargetCheck ratio{.name = absl::StrCat("ratio@", SizeLabel(target.size_bytes), ">=",
                                           target.min_ratio)};
    for (const SizeResult& result : results) {
      if (result.size_bytes != target.size_bytes) continue;
      ratio.measured = RatioSpread(result).runs > 0;
      ratio.held = ratio.measured && ThroughputRatio(result) >= target.min_ratio;
      ratio.detail = RatioDetail(result);
    }
    checks.push_back(ratio);
  }

  TargetCheck p99{.name = absl::StrCat("p99<=", targets.max_p99_vs_raw,
                                       "x_raw_p99")};
  std::vector<std::string> per_size;
  std::vector<std::string> over;
  bool all_measured = !results.empty();
  for (const SizeResult& result : results) {
    const std::optional<double> factor = P99VsRaw(result);
    const std::string label = SizeLabel(result.size_bytes);
    if (!factor.has_value()) {
      all_measured = false;
      per_size.push_back(absl::StrCat(label, " -"));
      continue;
    }
    per_size.push_back(absl::StrCat(label, " ", FormatSignificant(*factor, 2), "x"));
    if (*factor > targets.max_p99_vs_raw) over.push_back(label);
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
    rss.held = RssGrowthMb(*stream) <= targets.max_rss_growth_mb;
    rss.detail = absl::StrCat(FormatSignificant(RssGrowthMb(*stream)), " MB while streaming ",
                              SizeLabel(stream->total_bytes));
  }
  checks.push_back(rss);
  return checks;
}

std::string FormatTargetsLine(absl::Span<const TargetCheck> checks) {
  return absl::StrCat("bench gateway: targets ", FormatTargetChecks(checks));
}

std::string SizeResultJson(const SizeResult& result) {
  JsonLine line;
  line.Add("kind", "size")
      .Add("size", SizeLabel(result.size_bytes))
      .Add("size_bytes", result.size_bytes)
      .Add("ratio", ThroughputRatio(result));
  const RunSpread spread = RatioSpread(result);
  line.Add("runs", spread.runs)
      .Add("ratio_spread_min", spread.min)
      .Add("ratio_spread_max", spread.max)
      .AddNumbers("ratio_runs", RatioRuns(result))
      .AddNumbers("gateway_runs_msgs_per_s", result.gateway_runs_msgs_per_s)
      .AddNumbers("raw_runs_msgs_per_s", result.raw_runs_msgs_per_s)
      .Add("latency_rate_per_s", result.gateway_latency.rate_per_s);
  const std::optional<double> p99_vs_raw = P99VsRaw(result);
  line.Add("p99_vs_raw", p99_vs_raw.value_or(std::nan("")));
  AddThroughput(line, "gateway", result.gateway_throughput);
  AddThroughput(line, "raw", result.raw_throughput);
  AddLatency(line, "gateway_latency", result.gateway_latency);
  AddLatency(line, "raw_latency", result.raw_latency);
  // The gateway's median run's fact extraction; null when not measured.
  const FactExtraction& facts = result.gateway_throughput.facts;
  const double not_measured = std::nan("");
  line.Add("facts_s_per_gib", FactsSecondsPerGib(facts).value_or(not_measured))
      .Add("gateway_facts_seconds", facts.measured ? facts.seconds : not_measured)
      .Add("gateway_facts_bytes", facts.measured ? facts.bytes : not_measured);
  return line.Build();
}

std::string StreamResultJson(const StreamResult& result) {
  const double seconds = absl::ToDoubleSeconds(result.elapsed);
  return JsonLine()
      .Add("kind", "stream")
      .Add("total_bytes", result.total_bytes)
      .Add("chunk_bytes", result.chunk_bytes)
      .Add("chunk_records", result.chunk_records)
      .Add("elapsed_s", seconds)
      .Add("mb_per_s", seconds > 0 ? static_cast<double>(result.total_bytes) / kMiB / seconds : 0)
      .Add("idle_rss_mb", static_cast<double>(result.idle_rss_bytes) / kMiB)
      .Add("peak_rss_mb", static_cast<double>(result.peak_rss_bytes) / kMiB)
      .Add("rss_growth_mb", RssGrowthMb(result))
      .Add("rss_samples", result.rss_samples)
      .Build();
}

}  // namespace ingest::bench
