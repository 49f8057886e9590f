#include "tools/chaos/verdict.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace ingest::chaos {
namespace {

double Ms(absl::Duration duration) { return absl::ToDoubleMilliseconds(duration); }

std::string FormatUnixMs(absl::Time time) { return absl::StrCat(absl::ToUnixMillis(time)); }

int64_t Acked(const loadgen::VerificationReport& v) { return v.persisted + v.lost; }

}  // namespace

std::vector<std::string> FailedChecks(const ChaosResult& r, const ChaosOptions& options) {
  std::vector<std::string> failed;
  const loadgen::VerificationReport& v = r.verification;
  if (v.lost != 0 && r.loss_causes.has_value()) {
    if (r.loss_causes->absent_from_kafka != 0) {
      failed.push_back(absl::StrCat(
          "absent_from_kafka=", r.loss_causes->absent_from_kafka,
          ": acknowledged payloads that are not in the topic: true loss, Kafka does not have "
          "what the gateway acknowledged (look at the gateway and Kafka logs in the run "
          "directory, and at acks / min.insync.replicas)"));
    }
    if (r.loss_causes->stalled != 0) {
      failed.push_back(absl::StrCat(
          "stalled=", r.loss_causes->stalled,
          ": acknowledged payloads in the topic but not in PostgreSQL by the end: the "
          "workers did not consume or persist them (look at the worker logs in the run "
          "directory)"));
    }
  } else if (v.lost != 0) {
    failed.push_back(absl::StrCat(
        "lost=", v.lost, ": acknowledged payloads missing from PostgreSQL (whether Kafka has ",
        "them is unknown: ",
        r.loss_cause_error.empty() ? "the topic was not read" : r.loss_cause_error, ")"));
  }
  if (v.duplicates != 0) {
    failed.push_back(absl::StrCat("duplicates=", v.duplicates, ": payloads stored more than once"));
  }
  if (v.out_of_order != 0) {
    failed.push_back(absl::StrCat("out_of_order=", v.out_of_order,
                                  ": payloads of a session persisted out of order"));
  }
  if (v.mismatched != 0) {
    failed.push_back(absl::StrCat("mismatched=", v.mismatched,
                                  ": stored bytes differ from what was acknowledged"));
  }
  if (Acked(v) == 0) failed.push_back("acked=0: nothing was acknowledged");
  if (r.last_ack <= r.last_fault_end) {
    failed.push_back(absl::StrCat("no payload acknowledged after the last fault_end (",
                                  FormatUnixMs(r.last_fault_end),
                                  "): the pipeline did not recover"));
  }
  if (!r.recovery.recovered) {
    failed.push_back(absl::StrFormat(
        "lag never came back to <= %d (max of baseline %d and --lag_floor) "
        "after the last fault; %.1fs after fault_end it was still above",
        r.recovery.threshold, r.recovery.baseline, absl::ToDoubleSeconds(r.recovery.time)));
  }

  if (options.expect_gateway_unaffected) {
    if (r.during_fault.errors != 0) {
      failed.push_back(absl::StrCat("expect_gateway_unaffected: ", r.during_fault.errors, " of ",
                                    r.during_fault.calls, " attempts failed during the fault"));
    }
    const absl::Duration limit =
        std::max(3 * r.before_fault.p99, r.before_fault.p99 + absl::Milliseconds(100));
    if (r.during_fault.p99 > limit) {
      failed.push_back(
          absl::StrFormat("expect_gateway_unaffected: during-fault p99 %.1fms > %.1fms "
                          "(max of 3 x before p99 %.1fms and before p99 + 100ms)",
                          Ms(r.during_fault.p99), Ms(limit), Ms(r.before_fault.p99)));
    }
  }

  if (options.expect_no_ok_during_fault) {
    const NoOkCheck check = r.no_ok.value_or(NoOkCheck{});
    if (check.checked == 0) {
      failed.push_back(
          "expect_no_ok_during_fault: no attempt ended within [fault_start + 2s, "
          "fault_end], so nothing was checked (fault shorter than a failing call?)");
    }
    if (check.ok != 0) {
      failed.push_back(
          absl::StrCat("expect_no_ok_during_fault: ", check.ok, " of ", check.checked,
                       " attempts that ended within [fault_start + 2s, fault_end] were OK"));
    }
    const absl::Duration limit = options.call_timeout + kDeadlineSlack;
    if (check.longest_attempt > limit) {
      failed.push_back(absl::StrFormat(
          "expect_no_ok_during_fault: an attempt took %.1fs > call_timeout + 2s "
          "(%.1fs): calls must end within their deadline",
          absl::ToDoubleSeconds(check.longest_attempt), absl::ToDoubleSeconds(limit)));
    }
  }
  return failed;
}

std::string FormatGatewayLine(const ChaosResult& r) {
  return absl::StrFormat(
      "chaos %s: gateway before_fault calls=%d errors=%d p50_ms=%.1f "
      "p99_ms=%.1f during_fault calls=%d errors=%d p99_ms=%.1f",
      r.name, r.before_fault.calls, r.before_fault.errors, Ms(r.before_fault.p50),
      Ms(r.before_fault.p99), r.during_fault.calls, r.during_fault.errors, Ms(r.during_fault.p99));
}

std::string FormatSummaryLine(const ChaosResult& r) {
  std::string line = absl::StrFormat(
      "chaos %s: acked=%d persisted=%d lost=%d duplicates=%d out_of_order=%d "
      "gateway_errors=%d recovery_s=%.1f max_lag=%d",
      r.name, Acked(r.verification), r.verification.persisted, r.verification.lost,
      r.verification.duplicates, r.verification.out_of_order, r.gateway_errors,
      absl::ToDoubleSeconds(r.recovery.time), r.max_lag);
  if (r.verification.lost != 0) {
    if (r.loss_causes.has_value()) {
      absl::StrAppend(&line, " absent_from_kafka=", r.loss_causes->absent_from_kafka,
                      " stalled=", r.loss_causes->stalled);
    } else {
      absl::StrAppend(&line, " absent_from_kafka=? stalled=?");
    }
  }
  return line;
}

std::string FormatProgress(const std::string& name, absl::Duration elapsed, const RunTotals& totals,
                           double acked_per_second, const std::optional<LagSample>& lag) {
  return absl::StrFormat("chaos %s: %ds acked=%d %.1f/s errors=%d retries=%d lag=%s", name,
                         absl::ToInt64Seconds(elapsed), totals.acked, acked_per_second,
                         totals.errors, totals.retries,
                         lag.has_value() ? absl::StrCat(lag->lag, lag->stale ? "?" : "") : "-");
}

std::string FormatRetries(const std::string& name, const RetrySummary& r) {
  // Cut: an error message can be a paragraph.
  return absl::StrCat("chaos ", name, ": retrying: ", r.calls_retrying, " calls, ", r.retries,
                      " retries since the last line, last error ",
                      absl::StatusCodeToString(r.last_error.code()), ": ",
                      r.last_error.message().substr(0, 160), " (gateway ", r.last_gateway, ")");
}

}  // namespace ingest::chaos
