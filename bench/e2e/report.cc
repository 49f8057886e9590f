#include "bench/e2e/report.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "bench/common/json_line.h"
#include "bench/common/report.h"
#include "bench/common/size_label.h"

namespace ingest::bench_e2e {
namespace {

using ::ingest::bench::FormatSignificant;
using ::ingest::bench::JsonLine;
using ::ingest::bench::JsonQuote;
using ::ingest::bench::SizeLabel;

constexpr double kMb = 1 << 20;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// -1 (not measured) as null.
double Measured(double value) { return value < 0 ? kNaN : value; }

std::string Number(double value) {
  return std::isfinite(value) ? FormatSignificant(value) : std::string("n/a");
}

std::string Ratio(double value) {
  return std::isfinite(value) ? absl::StrFormat("%.2f", value) : std::string("n/a");
}

std::string CpuJson(const CpuCores& cpu) {
  return JsonLine()
      .Add("client", Measured(cpu.client))
      .Add("gateway", Measured(cpu.gateway))
      .Add("worker", Measured(cpu.worker))
      .Add("kafka", Measured(cpu.kafka))
      .Add("postgres", Measured(cpu.postgres))
      .Build();
}

std::string IntList(const std::vector<int32_t>& items) {
  return absl::StrCat("[", absl::StrJoin(items, ","), "]");
}

double Mb(int64_t bytes) { return bytes < 0 ? kNaN : static_cast<double>(bytes) / kMb; }

std::string RssJson(const RoleRss& rss) {
  return JsonLine().Add("idle_mb", Mb(rss.idle_bytes)).Add("peak_mb", Mb(rss.peak_bytes)).Build();
}

double Seconds(const std::optional<TakeoverResult>& result) {
  if (!result.has_value() || !result->takeover.has_value()) return kNaN;
  return absl::ToDoubleSeconds(*result->takeover);
}

std::string Verdict(const TargetCheck& check) {
  return !check.measured ? "not measured" : check.held ? "held" : "missed";
}

}  // namespace

// --- e2e ------------------------------------------------------------------

double MinMax(const E2eResult& result) {
  return std::min(result.gateway_max_msgs_per_s, result.worker_max_msgs_per_s);
}

std::optional<double> SustainedRate(const E2eResult& result) {
  std::optional<double> best;
  for (const StepResult& step : result.steps) {
    if (step.verdict.bounded && (!best.has_value() || step.rate_per_s > *best)) {
      best = step.rate_per_s;
    }
  }
  return best;
}

std::optional<double> UnboundedRate(const E2eResult& result) {
  std::optional<double> lowest;
  for (const StepResult& step : result.steps) {
    if (!step.verdict.bounded && (!lowest.has_value() || step.rate_per_s < *lowest)) {
      lowest = step.rate_per_s;
    }
  }
  return lowest;
}

double E2eRatio(const E2eResult& result) {
  const double min_max = MinMax(result);
  return min_max > 0 ? SustainedRate(result).value_or(0) / min_max : 0;
}

std::optional<double> E2eRatioVsRawCopy(const E2eResult& result) {
  if (!(result.raw_copy_msgs_per_s > 0)) return std::nullopt;
  return SustainedRate(result).value_or(0) / result.raw_copy_msgs_per_s;
}

bench::RunSpread E2eRatioBracket(const E2eResult& result) {
  const double min_max = MinMax(result);
  std::vector<double> ends;
  if (min_max > 0) {
    ends.push_back(SustainedRate(result).value_or(0) / min_max);
    if (const std::optional<double> unbounded = UnboundedRate(result)) {
      ends.push_back(*unbounded / min_max);
    }
  }
  bench::RunSpread spread = bench::SpreadOf(ends);
  spread.median = E2eRatio(result);
  return spread;
}

std::string StepJson(const StepResult& step) {
  return JsonLine()
      .Add("kind", "e2e_step")
      .Add("rate_per_s", step.rate_per_s)
      .Add("fraction", step.fraction)
      .Add("achieved_per_s", step.achieved_per_s)
      .Add("due", step.due)
      .Add("accepted", step.accepted)
      .Add("accepted_fraction", step.verdict.accepted_fraction)
      .Add("backpressure_retries", step.backpressure_retries)
      .Add("errors", step.errors)
      .Add("first_error", step.first_error)
      .Add("abandoned", step.abandoned)
      .Add("lag_slope_per_s", step.verdict.lag_slope_per_s)
      .Add("max_lag", step.verdict.max_lag)
      .Add("final_lag", step.verdict.final_lag)
      .Add("start_lag", step.start_lag)
      .Add("settle_s", step.settle_s)
      .Add("started_clean", step.started_clean)
      .Add("warmup_s", step.warmup_s)
      .Add("window_s", step.window_s)
      .Add("bounded", step.verdict.bounded)
      .Add("reason", step.verdict.reason)
      .AddPoints("lag", step.lag)
      .AddRaw("cpu", CpuJson(step.cpu))
      .Build();
}

std::string E2eJson(const E2eResult& result) {
  const TargetCheck target = E2eTarget(result);
  return JsonLine()
      .Add("kind", "e2e")
      .Add("size", SizeLabel(result.size_bytes))
      .Add("size_bytes", result.size_bytes)
      .Add("sustained_msgs_per_s", SustainedRate(result).value_or(0))
      .Add("gateway_max_msgs_per_s", result.gateway_max_msgs_per_s)
      .Add("worker_max_msgs_per_s", result.worker_max_msgs_per_s)
      .Add("min_max_msgs_per_s", MinMax(result))
      .Add("ratio", result.steps.empty() ? kNaN : E2eRatio(result))
      .Add("steps", static_cast<int64_t>(result.steps.size()))
      .Add("target", target.name)
      .Add("verdict", Verdict(target))
      .Add("unbounded_msgs_per_s", UnboundedRate(result).value_or(kNaN))
      .Add("ratio_spread_min", result.steps.empty() ? kNaN : E2eRatioBracket(result).min)
      .Add("ratio_spread_max", result.steps.empty() ? kNaN : E2eRatioBracket(result).max)
      .Add("converged", result.converged)
      .Add("tolerance", result.tolerance)
      .Add("raw_copy_msgs_per_s", result.raw_copy_msgs_per_s > 0 ? result.raw_copy_msgs_per_s : kNaN)
      .Add("ratio_vs_raw_copy", result.steps.empty() ? kNaN : E2eRatioVsRawCopy(result).value_or(kNaN))
      .Add("raw_copy_target", E2eRawCopyTarget(result).name)
      .Add("raw_copy_verdict", Verdict(E2eRawCopyTarget(result)))
      .Build();
}

std::string FormatE2eLine(const E2eResult& result) {
  return absl::StrCat("bench e2e: size=", SizeLabel(result.size_bytes),
                      " sustained_msgs_per_s=", Number(SustainedRate(result).value_or(0)),
                      " min_max_msgs_per_s=", Number(MinMax(result)),
                      " ratio=", result.steps.empty() ? "n/a" : Ratio(E2eRatio(result)),
                      " steps=", result.steps.size(),
                      " ratio_spread=", result.steps.empty() ? "n/a"
                                        : bench::FormatRatioSpread(E2eRatioBracket(result)),
                      " unbounded_msgs_per_s=", Number(UnboundedRate(result).value_or(kNaN)),
                      " converged=", result.converged ? "yes" : "no",
                      " raw_copy_msgs_per_s=",
                      Number(result.raw_copy_msgs_per_s > 0 ? result.raw_copy_msgs_per_s : kNaN),
                      " ratio_vs_raw_copy=",
                      result.steps.empty() ? "n/a"
                                           : Ratio(E2eRatioVsRawCopy(result).value_or(kNaN)));
}

TargetCheck E2eTarget(const E2eResult& result) {
  TargetCheck check{.name = absl::StrCat("ratio>=", kE2eTargetRatio)};
  if (result.steps.empty()) return check;
  check.measured = true;
  const double ratio = E2eRatio(result);
  check.held = ratio >= kE2eTargetRatio;
  check.detail = Ratio(ratio);
  if (const std::optional<double> unbounded = UnboundedRate(result);
      unbounded.has_value() && MinMax(result) > 0) {
    check.detail = absl::StrCat(check.detail, ", unbounded at ", Ratio(*unbounded / MinMax(result)));
  }
  return check;
}

TargetCheck E2eRawCopyTarget(const E2eResult& result) {
  TargetCheck check{.name = absl::StrCat("ratio_vs_raw_copy>=", kE2eTargetRatioVsRawCopy)};
  const std::optional<double> ratio = E2eRatioVsRawCopy(result);
  if (result.steps.empty() || !ratio.has_value()) return check;
  check.measured = true;
  check.held = *ratio >= kE2eTargetRatioVsRawCopy;
  check.detail = Ratio(*ratio);
  return check;
}

// --- failover -------------------------------------------------------------

double FailoverRatio(const FailoverResult& result) {
  const double takeover = Seconds(result.takeover);
  return result.session_timeout_s > 0 ? takeover / result.session_timeout_s : kNaN;
}

std::string FailoverJson(const FailoverResult& result) {
  const TargetCheck target = FailoverTarget(result);
  std::string timeline = "[";
  for (size_t i = 0; i < result.timeline.size(); ++i) {
    if (i > 0) timeline += ',';
    absl::StrAppend(&timeline, "[", absl::StrFormat("%.3f", result.timeline[i].first), ",",
                    JsonQuote(result.timeline[i].second), "]");
  }
  timeline += "]";
  JsonLine line;
  line.Add("kind", "failover")
      .Add("session_timeout_s", result.session_timeout_s)
      .Add("rate_per_s", result.rate_per_s)
      .AddRaw("killed_partitions", IntList(result.killed_partitions))
      .AddRaw("killed_idle_partitions", IntList(result.takeover.idle))
      .AddRaw("killed_pending_partitions", IntList(result.takeover.pending))
      .Add("takeover_s", Seconds(result.takeover))
      .Add("ratio", FailoverRatio(result))
      .Add("target", target.name)
      .Add("verdict", Verdict(target))
      .AddRaw("restart_partitions", IntList(result.restart_partitions))
      .Add("restart_s", Seconds(result.restart))
      .Add("restart_shutdown_s", Measured(result.restart_shutdown_s))
      .Add("restart_revocations", Measured(static_cast<double>(result.restart_revocations)))
      .Add("restart_partitions_moved",
           Measured(static_cast<double>(result.restart_partitions_moved)))
      .Add("acked", result.acked)
      .Add("errors", result.errors)
      .Add("backpressure_retries", result.backpressure_retries);
  if (result.exactly_once.has_value()) {
    line.Add("stored", result.exactly_once->stored)
        .Add("exactly_once", result.exactly_once->ok())
        .Add("exactly_once_problems", absl::StrJoin(result.exactly_once->problems, "; "));
  }
  return line.AddRaw("timeline", timeline).Build();
}

std::string FormatFailoverLine(const FailoverResult& result) {
  return absl::StrCat(
      "bench failover: session_timeout_s=", result.session_timeout_s,
      " takeover_s=", Number(Seconds(result.takeover)), " ratio=", Ratio(FailoverRatio(result)),
      " restart_s=", Number(Seconds(result.restart)), " restart_revocations=",
      result.restart_revocations < 0 ? "n/a" : absl::StrCat(result.restart_revocations));
}

TargetCheck FailoverTarget(const FailoverResult& result) {
  TargetCheck check{.name = absl::StrCat("ratio<=", kFailoverTargetRatio)};
  const double ratio = FailoverRatio(result);
  if (!std::isfinite(ratio)) {
    if (!result.takeover.pending.empty()) {
      // Partitions with records that nobody consumed in time: as missed as
      // it gets.
      check.measured = true;
      check.detail = absl::StrCat("partitions ", absl::StrJoin(result.takeover.pending, ","),
                                  " not consumed again");
    }
    return check;
  }
  check.measured = true;
  check.held = ratio <= kFailoverTargetRatio;
  check.detail = Ratio(ratio);
  return check;
}

// --- sizes ----------------------------------------------------------------

std::string SizeJson(const SizeResult& result) {
  return JsonLine()
      .Add("kind", "size")
      .Add("size", SizeLabel(result.size_bytes))
      .Add("size_bytes", result.size_bytes)
      .Add("transport", "stream")
      .Add("lanes", result.lanes)
      .Add("acked", result.acked)
      .Add("msgs_per_s", result.msgs_per_s)
      .Add("mb_per_s", result.mb_per_s)
      .Add("window_s", result.window_s)
      .Add("backpressure_retries", result.backpressure_retries)
      .AddRaw("cpu", CpuJson(result.cpu))
      .Build();
}

std::string BigStreamJson(const BigStreamResult& result) {
  return JsonLine()
      .Add("kind", "big_stream")
      .Add("total_bytes", result.total_bytes)
      .Add("chunk_bytes", result.chunk_bytes)
      .Add("chunk_records", result.chunk_records)
      .Add("ack_s", result.ack_s)
      .Add("mb_per_s", result.mb_per_s)
      .Add("commit_s", Measured(result.commit_s))
      .Add("lag_before", result.lag_before)
      .AddRaw("rss", JsonLine()
                         .AddRaw("client", RssJson(result.client))
                         .AddRaw("gateway", RssJson(result.gateway))
                         .AddRaw("worker", RssJson(result.worker))
                         .AddRaw("kafka", RssJson(result.kafka))
                         .AddRaw("postgres_max", RssJson(result.postgres_max))
                         .AddRaw("postgres_sum", RssJson(result.postgres_sum))
                         .Build())
      .Add("rss_samples", result.rss_samples)
      .Add("limit_mb", 4 * Mb(result.total_bytes))
      .Build();
}

std::string FormatSizeLine(const SizeResult& result) {
  return absl::StrCat("bench size: size=", SizeLabel(result.size_bytes),
                      " transport=stream mb_per_s=", Number(result.mb_per_s),
                      " msgs_per_s=", Number(result.msgs_per_s), " lanes=", result.lanes);
}

std::string FormatBigStreamLine(const BigStreamResult& result) {
  return absl::StrCat(
      "bench size: stream_", SizeLabel(result.total_bytes), " mb_per_s=", Number(result.mb_per_s),
      " commit_s=", Number(Measured(result.commit_s)),
      " peak_rss_mb client=", Number(Mb(result.client.peak_bytes)),
      " gateway=", Number(Mb(result.gateway.peak_bytes)),
      " worker=", Number(Mb(result.worker.peak_bytes)),
      " kafka=", Number(Mb(result.kafka.peak_bytes)),
      " postgres=", Number(Mb(result.postgres_max.peak_bytes)));
}

TargetCheck BigStreamTarget(const BigStreamResult& result) {
  TargetCheck check{.name = "peak_rss<=4x_payload"};
  const int64_t limit = 4 * result.total_bytes;
  std::vector<std::string> peaks;
  for (const auto& [role, rss] :
       {std::pair{"client", &result.client}, std::pair{"gateway", &result.gateway},
        std::pair{"worker", &result.worker}, std::pair{"kafka", &result.kafka},
        std::pair{"postgres", &result.postgres_max}}) {
    if (rss->peak_bytes < 0) continue;
    if (!check.measured) check.held = true;
    check.measured = true;
    if (rss->peak_bytes > limit) check.held = false;
    peaks.push_back(absl::StrCat(role, " ", Number(Mb(rss->peak_bytes))));
  }
  if (check.measured) {
    check.detail = absl::StrCat(absl::StrJoin(peaks, ", "), " MB; limit ", Number(Mb(limit)),
                                " MB");
  }
  return check;
}

std::string FormatTargetsLine(absl::string_view name, absl::Span<const TargetCheck> checks) {
  return absl::StrCat("bench ", name, ": targets ", bench::FormatTargetChecks(checks));
}

}  // namespace ingest::bench_e2e
