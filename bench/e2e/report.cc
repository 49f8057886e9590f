#include "bench/e2e/report.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "bench/common/report.h"
#include "bench/common/run_spread.h"
#include "bench/common/size_label.h"
#include "bench/e2e/rate_search.h"

namespace ingest::bench_e2e {
namespace {

using ::google::protobuf::Value;
using ::ingest::bench::FormatSignificant;
using ::ingest::bench::Nullable;
using ::ingest::bench::NumberOf;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string Number(const Value& value) {
  const std::optional<double> number = NumberOf(value);
  return number.has_value() ? FormatSignificant(*number) : "n/a";
}

std::string Ratio(const Value& value) {
  const std::optional<double> number = NumberOf(value);
  return number.has_value() ? absl::StrFormat("%.2f", *number) : "n/a";
}

}  // namespace

Value NullIfNegative(double value) { return Nullable(value < 0 ? kNaN : value); }

std::string FormatCores(const Cores& cores) {
  const auto core = [](const Value& value) {
    const std::optional<double> number = NumberOf(value);
    return number.has_value() ? absl::StrFormat("%.2f", *number) : "n/a";
  };
  return absl::StrCat("client ", core(cores.client()), ", gateway ", core(cores.gateway()),
                      ", worker ", core(cores.worker()), ", kafka ", core(cores.kafka()),
                      ", postgres ", core(cores.postgres()));
}

// --- e2e ------------------------------------------------------------------

E2eRecord SummarizeE2e(const E2eOptions& options, absl::Span<const E2eStepRecord> steps,
                       bool converged) {
  std::optional<double> sustained;  // the highest bounded rate
  std::optional<double> unbounded;  // the lowest unbounded rate
  for (const E2eStepRecord& step : steps) {
    const double rate = step.rate_per_s();
    if (step.bounded()) {
      sustained = std::max(sustained.value_or(rate), rate);
    } else {
      unbounded = std::min(unbounded.value_or(rate), rate);
    }
  }
  const double min_max = std::min(options.gateway_max_msgs_per_s, options.worker_max_msgs_per_s);
  const double ratio = min_max > 0 ? sustained.value_or(0) / min_max : 0;
  // The bracket: sustained / M to unbounded / M, in either order (a noisy
  // step may be bounded above an unbounded one).
  double spread_min = kNaN;
  double spread_max = kNaN;
  if (!steps.empty()) {
    spread_min = spread_max = min_max > 0 ? ratio : 0;
    if (unbounded.has_value() && min_max > 0) {
      spread_min = std::min(ratio, *unbounded / min_max);
      spread_max = std::max(ratio, *unbounded / min_max);
    }
  }
  const bool raw_copy = options.raw_copy_msgs_per_s > 0;

  E2eRecord record;
  record.set_kind("e2e");
  record.set_size(bench::SizeLabel(options.size_bytes));
  record.set_size_bytes(static_cast<double>(options.size_bytes));
  record.set_sustained_msgs_per_s(sustained.value_or(0));
  record.set_gateway_max_msgs_per_s(options.gateway_max_msgs_per_s);
  record.set_worker_max_msgs_per_s(options.worker_max_msgs_per_s);
  record.set_min_max_msgs_per_s(min_max);
  *record.mutable_ratio() = Nullable(steps.empty() ? kNaN : ratio);
  record.set_steps(static_cast<int32_t>(steps.size()));
  *record.mutable_unbounded_msgs_per_s() = Nullable(unbounded.value_or(kNaN));
  *record.mutable_ratio_spread_min() = Nullable(spread_min);
  *record.mutable_ratio_spread_max() = Nullable(spread_max);
  record.set_converged(converged);
  record.set_tolerance(RateSearch::kTolerance);
  *record.mutable_raw_copy_msgs_per_s() = Nullable(raw_copy ? options.raw_copy_msgs_per_s : kNaN);
  *record.mutable_ratio_vs_raw_copy() = Nullable(
      !steps.empty() && raw_copy ? sustained.value_or(0) / options.raw_copy_msgs_per_s : kNaN);
  const std::vector<TargetCheck> targets = E2eTargets(record);
  record.set_target(targets[0].name);
  record.set_verdict(bench::ToTargetRecord(targets[0]).verdict());
  record.set_raw_copy_target(targets[1].name);
  record.set_raw_copy_verdict(bench::ToTargetRecord(targets[1]).verdict());
  return record;
}

std::string FormatE2eLine(const E2eRecord& record) {
  const std::optional<double> spread_min = NumberOf(record.ratio_spread_min());
  const std::optional<double> spread_max = NumberOf(record.ratio_spread_max());
  return absl::StrCat("bench e2e: size=", record.size(),
                      " sustained_msgs_per_s=", FormatSignificant(record.sustained_msgs_per_s()),
                      " min_max_msgs_per_s=", FormatSignificant(record.min_max_msgs_per_s()),
                      " ratio=", Ratio(record.ratio()), " steps=", record.steps(), " ratio_spread=",
                      spread_min.has_value() && spread_max.has_value()
                          ? bench::FormatRatioSpread({.min = *spread_min, .max = *spread_max})
                          : "n/a",
                      " unbounded_msgs_per_s=", Number(record.unbounded_msgs_per_s()),
                      " converged=", record.converged() ? "yes" : "no",
                      " raw_copy_msgs_per_s=", Number(record.raw_copy_msgs_per_s()),
                      " ratio_vs_raw_copy=", Ratio(record.ratio_vs_raw_copy()));
}

std::vector<TargetCheck> E2eTargets(const E2eRecord& record) {
  TargetCheck ratio{.name = absl::StrCat("ratio>=", kE2eTargetRatio)};
  if (const std::optional<double> value = NumberOf(record.ratio())) {
    ratio.measured = true;
    ratio.held = *value >= kE2eTargetRatio;
    ratio.detail = Ratio(record.ratio());
    const std::optional<double> unbounded = NumberOf(record.unbounded_msgs_per_s());
    if (unbounded.has_value() && record.min_max_msgs_per_s() > 0) {
      absl::StrAppendFormat(&ratio.detail, ", unbounded at %.2f",
                            *unbounded / record.min_max_msgs_per_s());
    }
  }
  TargetCheck raw_copy{.name = absl::StrCat("ratio_vs_raw_copy>=", kE2eTargetRatioVsRawCopy)};
  if (const std::optional<double> value = NumberOf(record.ratio_vs_raw_copy())) {
    raw_copy.measured = true;
    raw_copy.held = *value >= kE2eTargetRatioVsRawCopy;
    raw_copy.detail = Ratio(record.ratio_vs_raw_copy());
  }
  return {ratio, raw_copy};
}

// --- failover -------------------------------------------------------------

void JudgeFailover(FailoverRecord& record) {
  const std::optional<double> takeover = NumberOf(record.takeover_s());
  *record.mutable_ratio() = Nullable(takeover.has_value() && record.session_timeout_s() > 0
                                         ? *takeover / record.session_timeout_s()
                                         : kNaN);
  const TargetCheck target = FailoverTarget(record);
  record.set_target(target.name);
  record.set_verdict(bench::ToTargetRecord(target).verdict());
}

std::string FormatFailoverLine(const FailoverRecord& record) {
  return absl::StrCat("bench failover: session_timeout_s=", record.session_timeout_s(),
                      " takeover_s=", Number(record.takeover_s()), " ratio=", Ratio(record.ratio()),
                      " restart_s=", Number(record.restart_s()),
                      " restart_revocations=", record.restart_revocations());
}

TargetCheck FailoverTarget(const FailoverRecord& record) {
  TargetCheck check{.name = absl::StrCat("ratio<=", kFailoverTargetRatio)};
  if (const std::optional<double> ratio = NumberOf(record.ratio())) {
    check.measured = true;
    check.held = *ratio <= kFailoverTargetRatio;
    check.detail = Ratio(record.ratio());
  } else if (!record.killed_pending_partitions().empty()) {
    // Partitions with records that nobody consumed in time: as missed as it
    // gets.
    check.measured = true;
    check.detail =
        absl::StrCat("partitions ", absl::StrJoin(record.killed_pending_partitions(), ","),
                     " not consumed again");
  }
  return check;
}

// --- sizes ----------------------------------------------------------------

std::string FormatSizeLine(const SizeRecord& record) {
  return absl::StrCat("bench size: size=", record.size(),
                      " transport=stream mb_per_s=", FormatSignificant(record.mb_per_s()),
                      " msgs_per_s=", FormatSignificant(record.msgs_per_s()),
                      " lanes=", record.lanes());
}

std::string FormatBigStreamLine(const BigStreamRecord& record) {
  const RssByRole& rss = record.rss();
  return absl::StrCat(
      "bench size: stream_", bench::SizeLabel(static_cast<int64_t>(record.total_bytes())),
      " mb_per_s=", FormatSignificant(record.mb_per_s()),
      " commit_s=", FormatSignificant(record.commit_s()),
      " peak_rss_mb client=", Number(rss.client().peak_mb()),
      " gateway=", Number(rss.gateway().peak_mb()), " worker=", Number(rss.worker().peak_mb()),
      " kafka=", Number(rss.kafka().peak_mb()), " postgres=", Number(rss.postgres_max().peak_mb()));
}

TargetCheck BigStreamTarget(const BigStreamRecord& record) {
  TargetCheck check{.name = "peak_rss<=4x_payload", .held = true};
  std::vector<std::string> peaks;
  const RssByRole& rss = record.rss();
  for (const auto& [role, role_rss] :
       {std::pair{"client", &rss.client()}, std::pair{"gateway", &rss.gateway()},
        std::pair{"worker", &rss.worker()}, std::pair{"kafka", &rss.kafka()},
        std::pair{"postgres", &rss.postgres_max()}}) {
    const std::optional<double> peak = NumberOf(role_rss->peak_mb());
    if (!peak.has_value()) continue;
    check.measured = true;
    check.held = check.held && *peak <= record.limit_mb();
    peaks.push_back(absl::StrCat(role, " ", FormatSignificant(*peak)));
  }
  if (!check.measured) return TargetCheck{.name = check.name};
  check.detail = absl::StrCat(absl::StrJoin(peaks, ", "), " MB; limit ",
                              FormatSignificant(record.limit_mb()), " MB");
  return check;
}

}  // namespace ingest::bench_e2e
