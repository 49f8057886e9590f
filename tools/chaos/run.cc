#include "tools/chaos/run.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/common/results_file.h"
#include "services/common/status/status_macros.h"
#include "services/common/threading/periodic_thread.h"
#include "tools/chaos/fault_analysis.h"
#include "tools/chaos/load_driver.h"
#include "tools/chaos/loss_cause.h"
#include "tools/chaos/marks.h"
#include "tools/chaos/run_recorder.h"
#include "tools/chaos/timeline.h"
#include "tools/chaos/verdict.h"
#include "tools/loadgen/ledger.h"
#include "tools/loadgen/verifier.h"
#include "tools/loadgen/verify_loop.h"

namespace ingest::chaos {
namespace {

constexpr absl::Duration kLagInterval = absl::Milliseconds(500);
// The baseline skips the ramp-up: connections, first sessions.
constexpr absl::Duration kWarmUp = absl::Seconds(10);
// Attempts that start this soon after fault_start may still succeed
// (--expect_no_ok_during_fault).
constexpr absl::Duration kFaultGrace = absl::Seconds(2);
// After the drain every row should be there; this only covers stragglers.
constexpr absl::Duration kVerifyTimeout = absl::Seconds(60);

// The progress line (every second on a terminal, every 5 s otherwise) and
// the retry line (every second there were retries) while the load runs.
class LoadMonitor {
 public:
  LoadMonitor(const std::string& name, RunRecorder& recorder, const LagSampler& sampler,
              console::Console& console)
      : name_(name),
        recorder_(recorder),
        sampler_(sampler),
        console_(console),
        ticks_per_status_(console.is_tty() ? 1 : 5),
        thread_(absl::Seconds(1), [this] { Tick(); }) {}

  // The last line gives the average rate over the whole load.
  void Stop() {
    thread_.Stop();
    last_time_ = recorder_.origin();
    last_acked_ = 0;
    console_.SetStatus(Line());
    console_.EndStatus();
  }

 private:
  void Tick() {
    if (std::optional<RetrySummary> retries = recorder_.TakeRetries()) {
      console_.Log(FormatRetries(name_, *retries));
    }
    if (++ticks_ % ticks_per_status_ == 0) console_.SetStatus(Line());
  }

  std::string Line() {
    const absl::Time now = absl::Now();
    const RunTotals totals = recorder_.totals();
    const double seconds = absl::ToDoubleSeconds(now - last_time_);
    const double rate = seconds > 0 ? (totals.acked - last_acked_) / seconds : 0.0;
    last_time_ = now;
    last_acked_ = totals.acked;
    return FormatProgress(name_, now - recorder_.origin(), totals, rate, sampler_.Latest());
  }

  const std::string name_;
  RunRecorder& recorder_;
  const LagSampler& sampler_;
  console::Console& console_;
  const int ticks_per_status_;
  // Touched by the ticker thread, then (after it stopped) by Stop().
  int64_t ticks_ = 0;
  absl::Time last_time_ = recorder_.origin();
  int64_t last_acked_ = 0;
  PeriodicThread thread_;  // last: starts ticking once the rest is ready
};

// Why the payloads the verification found lost are missing: which of them
// still have no row, and whether the topic holds those. A payload that got
// its row since the verification was in Kafka and persisted late: stalled.
void ExplainLoss(absl::Span<const loadgen::LedgerEntry> acked, int64_t lost,
                 const Collaborators& with, ChaosResult& result,
                 const std::function<void(const std::string&)>& log) {
  if (with.topic_payloads == nullptr) {
    result.loss_cause_error = "no topic reader";
    return;
  }
  const absl::StatusOr<std::vector<loadgen::PayloadKey>> present =
      with.rows->ReadPresentKeys(loadgen::SessionIdsOf(acked));
  if (!present.ok()) {
    result.loss_cause_error = absl::StrCat("PostgreSQL: ", present.status().ToString());
    return;
  }
  const std::vector<loadgen::PayloadKey> missing = loadgen::MissingKeys(acked, *present);
  log(absl::StrFormat("reading the topic for the %d payloads still without a row", missing.size()));
  const absl::StatusOr<TopicPayloads> in_topic = with.topic_payloads->Find(missing);
  if (!in_topic.ok()) {
    result.loss_cause_error = absl::StrCat("Kafka: ", in_topic.status().ToString());
    return;
  }
  LossCauses causes = ClassifyLoss(missing, *in_topic);
  const int64_t persisted_late = lost - causes.absent_from_kafka - causes.stalled;
  if (persisted_late > 0) {
    log(absl::StrCat(persisted_late, " lost payloads got their row after the verification"));
    causes.stalled += persisted_late;
  }
  for (const std::string& example : causes.examples) log(absl::StrCat("loss: ", example));
  result.loss_causes = std::move(causes);
}

// --ledger_out and --timeline_out (pre-flight truncated them); a file that
// cannot be written is logged, not fatal.
void WriteOutputs(const ChaosOptions& options, absl::Span<const loadgen::LedgerEntry> acked,
                  const RunRecord& record, absl::Span<const LagSample> samples,
                  const std::function<void(const std::string&)>& log) {
  if (!options.ledger_out.empty()) {
    if (absl::Status status = loadgen::WriteLedgerTsv(acked, options.ledger_out); !status.ok()) {
      log(absl::StrCat("ledger not written: ", status.ToString()));
    }
  }
  bench::ResultsFile timeline;
  if (absl::Status status = timeline.Open(options.timeline_out); !status.ok()) {
    log(absl::StrCat("timeline not written: ", status.ToString()));
  }
  for (const TimelineSecond& second : Timeline(record, samples)) timeline.Write(second);
}

// The marks file, which must describe faults within the run.
absl::StatusOr<FaultMarks> ReadMarks(const std::string& path, absl::Time load_start,
                                     absl::Time now) {
  ASSIGN_OR_RETURN(FaultMarks marks, ReadMarksFile(path));
  RETURN_IF_ERROR(ValidateMarksForRun(marks, load_start, now));
  return marks;
}

}  // namespace

int RunScenario(const ChaosOptions& options, const Collaborators& with, console::Console& console,
                std::FILE* out, client::Clock& clock) {
  const std::string prefix = absl::StrCat("chaos ", options.name, ": ");
  auto log = [&](const std::string& line) { console.Log(absl::StrCat(prefix, line)); };

  loadgen::Ledger ledger;
  LagSampler sampler({.interval = kLagInterval}, *with.offsets, *with.watermarks, with.initial_lag,
                     clock, log);

  // Load.
  log(absl::StrFormat(
      "%d session threads for %s to %d gateway(s), payloads %d..%d bytes "
      "every %s%s, seed %d",
      options.sessions, absl::FormatDuration(options.duration), options.gateways.size(),
      options.min_payload_bytes, options.max_payload_bytes,
      absl::FormatDuration(options.payload_interval),
      options.stream_every > 0 ? absl::StrFormat(", every %dth streamed (%d bytes)",
                                                 options.stream_every, options.stream_bytes)
                               : "",
      options.seed));
  RunRecorder recorder(clock.Now());
  LoadDriver driver(options, ledger, recorder, console, clock, with.sdk_clock);
  sampler.Start();
  LoadStats load;
  {
    LoadMonitor monitor(options.name, recorder, sampler, console);
    load = driver.Run();
    monitor.Stop();
  }
  sampler.Stop();
  log(absl::StrFormat("load done after %.1fs: %d sessions, %d payloads acked, %d calls given up",
                      absl::ToDoubleSeconds(clock.Now() - recorder.origin()), load.sessions_started,
                      load.acked, load.given_up));

  // Drain: sampled here, on this thread, until the lag is 0.
  const DrainResult drain = sampler.Drain(
      options.drain_timeout,
      [&, samples = 0](absl::Duration elapsed, const LagSample& lag) mutable {
        if (!console.is_tty() && samples++ % 10 != 0) return;  // every 5 s in a log
        console.SetStatus(absl::StrFormat("%sdraining: lag=%d%s %.0fs of %s", prefix, lag.lag,
                                          lag.stale ? "?" : "", absl::ToDoubleSeconds(elapsed),
                                          absl::FormatDuration(options.drain_timeout)));
      });
  console.EndStatus();
  if (!drain.drained) {
    log(absl::StrFormat("lag did not reach 0 within --drain_timeout=%s (last %d)",
                        absl::FormatDuration(options.drain_timeout), drain.last.lag));
  }

  const std::vector<loadgen::LedgerEntry> acked = ledger.Entries();
  const RunRecord record = recorder.Snapshot();
  const std::vector<LagSample> samples = sampler.Samples();
  WriteOutputs(options, acked, record, samples, log);

  // The fault marks.
  const absl::StatusOr<FaultMarks> marks =
      ReadMarks(options.marks_file, record.origin, clock.Now());
  if (!marks.ok()) {
    log(absl::StrCat("no usable fault marks: ", marks.status().message()));
    return kExitFailed;
  }
  if (marks->first_start() < record.origin + kWarmUp) {
    log("the first fault_start is within 10s of the load start: no before-fault baseline");
  }

  // Verification.
  std::string last_error;
  const absl::StatusOr<loadgen::VerificationReport> report = loadgen::WaitAndVerify(
      acked, *with.rows, clock, {.timeout = kVerifyTimeout},
      {.on_poll_error = [&](const absl::Status& status) {
        if (status.ToString() == last_error) return;
        last_error = status.ToString();
        log(absl::StrCat("verify: reading PostgreSQL failed, still trying: ", last_error));
      }});
  if (!report.ok()) {
    log(absl::StrCat("cannot read the results from PostgreSQL: ", report.status().ToString()));
    return kExitFailed;
  }
  for (const std::string& problem : report->problems) log(absl::StrCat("verify: ", problem));

  ChaosResult result{
      .name = options.name,
      .verification = *report,
      .gateway_errors = TotalErrors(record),
      .max_lag = MaxLag(samples),
      .before_fault = StatsWithin(record, record.origin + kWarmUp, marks->first_start()),
      .during_fault = StatsOverlapping(record, marks->windows),
      .recovery =
          ComputeRecovery(samples, record.origin + kWarmUp, *marks, options.lag_floor, drain.ended),
      .last_ack = record.last_ack,
      .last_fault_end = marks->last_end()};
  if (report->lost != 0) {
    ExplainLoss(acked, report->lost, with, result, log);
    if (!result.loss_cause_error.empty()) {
      log(absl::StrCat("cause of the loss unknown: ", result.loss_cause_error));
    }
  }
  log(absl::StrFormat(
      "lag: %d samples, %d stale; baseline %d, threshold %d, %s", samples.size(),
      std::count_if(samples.begin(), samples.end(), [](const LagSample& s) { return s.stale; }),
      result.recovery.baseline, result.recovery.threshold,
      result.recovery.exceeded ? "above it after the fault" : "never above it after the fault"));
  if (options.expect_no_ok_during_fault) {
    result.no_ok = CheckNoOkDuringFaults(record, marks->windows, kFaultGrace);
    log(absl::StrFormat(
        "expect_no_ok_during_fault: checked %d attempts that ended within [fault_start + 2s, "
        "fault_end], %d OK; longest attempt %.1fs",
        result.no_ok->checked, result.no_ok->ok,
        absl::ToDoubleSeconds(result.no_ok->longest_attempt)));
  }

  std::fprintf(out, "%s\n%s\n", FormatGatewayLine(result).c_str(),
               FormatSummaryLine(result).c_str());
  std::fflush(out);
  const std::vector<std::string> failed = FailedChecks(result, options);
  for (const std::string& line : failed) log(absl::StrCat("FAILED: ", line));
  return failed.empty() ? kExitOk : kExitFailed;
}

}  // namespace ingest::chaos
