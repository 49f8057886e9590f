#pragma once

// The outcome of a chaos run: the two stdout lines and the checks; and the
// progress and retry lines while it runs.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "tools/chaos/fault_analysis.h"
#include "tools/chaos/lag_tracker.h"
#include "tools/chaos/loss_cause.h"
#include "tools/chaos/options.h"
#include "tools/chaos/run_recorder.h"
#include "tools/loadgen/verifier.h"

namespace ingest::chaos {

// Process exit codes of chaos_load; 2 (cli::kExitUsage) is for bad flags or
// a stack unreachable at pre-flight.
inline constexpr int kExitOk = 0;      // every check held
inline constexpr int kExitFailed = 1;  // a check failed, or no usable marks

// Everything the verdict is made of.
struct ChaosResult {
  std::string name;
  // loadgen's verifier over the ledger: every acknowledged payload is
  // persisted or lost.
  loadgen::VerificationReport verification;
  int64_t gateway_errors = 0;  // failed attempts over the run
  int64_t max_lag = 0;
  IntervalStats before_fault;
  IntervalStats during_fault;
  Recovery recovery;
  absl::Time last_ack = absl::InfinitePast();
  absl::Time last_fault_end;
  // Set when --expect_no_ok_during_fault asked for it.
  std::optional<NoOkCheck> no_ok;
  // When payloads were lost: why, from reading the topic; unset if it could
  // not be read (then loss_cause_error says why).
  std::optional<LossCauses> loss_causes;
  std::string loss_cause_error;
};

// Slack above call_timeout an attempt may take (--expect_no_ok_during_fault).
inline constexpr absl::Duration kDeadlineSlack = absl::Seconds(2);

// One line per violated check, saying what was violated; empty if all held.
// Lost payloads get one line per cause (absent_from_kafka, stalled) when
// the causes are known, else one lost= line.
// Always: no lost, duplicate, out-of-order or mismatched payload; something
// acknowledged; something acknowledged after the last fault_end; the lag
// recovered. Then the optional checks of `options`:
// expect_gateway_unaffected and expect_no_ok_during_fault (with call_timeout).
std::vector<std::string> FailedChecks(const ChaosResult& result, const ChaosOptions& options);

// "chaos NAME: gateway before_fault calls=N errors=N p50_ms=X p99_ms=X
//  during_fault calls=N errors=N p99_ms=X" (one line; X with one decimal).
std::string FormatGatewayLine(const ChaosResult& result);

// "chaos NAME: acked=N persisted=N lost=N duplicates=N out_of_order=N
//  gateway_errors=N recovery_s=X max_lag=N" (one line; X with one decimal),
// and when lost > 0 " absent_from_kafka=N stalled=N" (each "?" when the
// topic could not be read).
std::string FormatSummaryLine(const ChaosResult& result);

// "chaos NAME: 42s acked=3120 74.0/s errors=12 retries=30 lag=85": the
// totals `elapsed` into the load, `acked_per_second` over the last progress
// interval, the latest lag sample ("lag=85?" when stale, "lag=-" before the
// first sample).
std::string FormatProgress(const std::string& name, absl::Duration elapsed, const RunTotals& totals,
                           double acked_per_second, const std::optional<LagSample>& lag);

// "chaos NAME: retrying: C calls, R retries since the last line, last error
// CODE: MESSAGE (gateway G)", the message cut at 160 characters.
std::string FormatRetries(const std::string& name, const RetrySummary& retries);

}  // namespace ingest::chaos
