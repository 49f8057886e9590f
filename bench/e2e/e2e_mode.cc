// mode e2e: rate steps against the real gateway, Kafka, workers and
// PostgreSQL (see modes.h).
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/common/console.h"
#include "bench/common/load_driver.h"
#include "bench/common/progress.h"
#include "bench/common/report.h"
#include "bench/common/size_label.h"
#include "bench/e2e/modes.h"
#include "bench/e2e/rate_search.h"
#include "bench/e2e/report.h"
#include "bench/e2e/step_classifier.h"

namespace ingest::bench_e2e {
namespace {

using ::ingest::bench::FormatSignificant;
using ::ingest::bench::Note;

// How long in-flight calls get once a step's load stops.
constexpr absl::Duration kStopTimeout = absl::Seconds(60);

// A step starts once the lag is under max(2 x lanes, one second of its rate).
int64_t StepFloor(double rate_per_s, int lanes) {
  return std::max<int64_t>(2 * int64_t{lanes}, static_cast<int64_t>(rate_per_s));
}

void SleepUntil(absl::Time at) { absl::SleepFor(at - absl::Now()); }

class E2eRun {
 public:
  explicit E2eRun(Harness& harness) : harness_(harness), options_(harness.options()) {}

  int Run() {
    const double min_max =
        std::min(options_.gateway_max_msgs_per_s, options_.worker_max_msgs_per_s);
    Note(absl::StrFormat(
        "e2e: %s payloads, %d sessions, %d worker(s); M = min(gateway %s, worker %s) = %s "
        "msgs/s; bisection to within %.0f%%, steps of %s warm-up + %s window, at most %d%s",
        bench::SizeLabel(options_.size_bytes), options_.lanes, options_.workers,
        FormatSignificant(options_.gateway_max_msgs_per_s),
        FormatSignificant(options_.worker_max_msgs_per_s), FormatSignificant(min_max),
        RateSearch::kTolerance * 100, absl::FormatDuration(options_.warmup),
        absl::FormatDuration(options_.window), options_.max_steps,
        options_.quick ? "; QUICK" : ""));
    E2eRunRecord run = harness_.NewRunRecord<E2eRunRecord>();
    run.set_size(bench::SizeLabel(options_.size_bytes));
    run.set_lanes(options_.lanes);
    run.set_workers(options_.workers);
    run.set_warmup_s(absl::ToDoubleSeconds(options_.warmup));
    run.set_window_s(absl::ToDoubleSeconds(options_.window));
    run.set_max_steps(options_.max_steps);
    run.set_search("bisection");
    run.set_tolerance(RateSearch::kTolerance);
    harness_.Write(run);

    const std::unique_ptr<PooledSessions> load = harness_.CreatePooledSessions();
    harness_.StartWorkers(options_.workers, {});
    harness_.StartLagSampler();

    RateSearch search(options_.max_steps);
    while (const std::optional<double> fraction = search.Next()) {
      E2eStepRecord step = RunStep(*load->sink, *fraction, *fraction * min_max);
      search.Record(step.bounded());
      harness_.Write(step);
      steps_.push_back(std::move(step));
    }
    if (!search.converged()) {
      Note(absl::StrCat("e2e: the search ended after ", search.steps(),
                        " step(s) without narrowing the bounded and the unbounded rate to within ",
                        RateSearch::kTolerance * 100, "% (--max_steps, or the ends of its range)"));
    }

    harness_.workers().StopAll(options_.worker_stop_grace);
    const E2eRecord record = SummarizeE2e(options_, steps_, search.converged());
    harness_.AddResult(record, FormatE2eLine(record), "e2e", E2eTargets(record));
    harness_.PrintLines();
    return 0;
  }

 private:
  E2eStepRecord RunStep(bench::MessageSink& sink, double fraction, double rate) {
    E2eStepRecord step;
    step.set_kind("e2e_step");
    step.set_fraction(fraction);
    step.set_rate_per_s(rate);
    step.set_warmup_s(absl::ToDoubleSeconds(options_.warmup));
    step.set_window_s(absl::ToDoubleSeconds(options_.window));
    const std::string title =
        absl::StrCat("e2e step ", steps_.size() + 1, ": ", FormatSignificant(fraction),
                     " x M = ", FormatSignificant(rate), " msgs/s");

    const int64_t floor = StepFloor(rate, options_.lanes);
    const LagWait wait = harness_.WaitForLagAtMost(
        floor, options_.settle_timeout, absl::StrCat(title, ": waiting for lag <= ", floor));
    step.set_settle_s(absl::ToDoubleSeconds(wait.waited));
    step.set_start_lag(wait.lag);
    step.set_started_clean(wait.reached);
    if (!wait.reached) {
      Note(absl::StrCat(title, ": the lag (", wait.lag, ") did not fall to ", floor, " within ",
                        absl::FormatDuration(options_.settle_timeout), "; the step starts behind"));
    }
    CheckWorkers();

    bench::PhaseCounters counters;
    bench::OpenLoop load(sink, rate, options_.lanes, counters);
    bench::PhaseProgress progress(stderr, title, options_.warmup + options_.window, [&] {
      return absl::StrCat("acked=", counters.acked.load(), "  lag=", harness_.LatestLagOrMinusOne(),
                          bench::CountersDetail(counters));
    });
    load.Start();
    const absl::Time started = load.start();
    const absl::Time window_start = started + options_.warmup;
    const absl::Time window_end = window_start + options_.window;
    SleepUntil(window_start);
    const bench::CpuReading cpu_start = harness_.ReadCpu();
    const int64_t acked_start = counters.acked.load();
    SleepUntil(window_end);
    const bench::CpuReading cpu_end = harness_.ReadCpu();
    const int64_t acked_end = counters.acked.load();
    const absl::Status stopped = load.Stop(kStopTimeout);
    progress.Finish();
    harness_.Check(stopped, title);
    CheckWorkers();

    StepObservation observation{.rate_per_s = rate, .lanes = options_.lanes};
    observation.due = load.DueCount(window_end) - load.DueCount(window_start);
    observation.accepted = acked_end - acked_start;
    observation.errors = counters.errors.load();
    if (const absl::Status first = load.first_failure(); !first.ok()) {
      observation.first_error = first.ToString();
    }
    for (const chaos::LagSample& sample : harness_.LagBetween(started, window_end)) {
      if (sample.stale) continue;
      google::protobuf::ListValue& point = *step.add_lag();
      point.add_values()->set_number_value(absl::ToDoubleSeconds(sample.at - started));
      point.add_values()->set_number_value(static_cast<double>(sample.lag));
      if (sample.at >= window_start) {
        observation.lag.emplace_back(absl::ToDoubleSeconds(sample.at - window_start), sample.lag);
      }
    }
    const StepVerdict verdict = ClassifyStep(observation, options_.thresholds);
    step.set_due(observation.due);
    step.set_accepted(observation.accepted);
    step.set_accepted_fraction(verdict.accepted_fraction);
    step.set_achieved_per_s(static_cast<double>(observation.accepted) /
                            absl::ToDoubleSeconds(options_.window));
    step.set_backpressure_retries(counters.backpressure_retries.load());
    step.set_errors(observation.errors);
    step.set_first_error(observation.first_error);
    step.set_abandoned(load.abandoned());
    *step.mutable_lag_slope_per_s() = Nullable(verdict.lag_slope_per_s);
    step.set_max_lag(verdict.max_lag);
    step.set_final_lag(verdict.final_lag);
    step.set_bounded(verdict.bounded);
    step.set_reason(verdict.reason);
    *step.mutable_cpu() = harness_.CoresBetween(cpu_start, cpu_end);
    Note(absl::StrFormat(
        "  %s: %s — accepted %.3f, achieved %s msgs/s, lag slope %s/s, max %d, final %d; "
        "cores: %s",
        title, verdict.bounded ? "BOUNDED" : "UNBOUNDED", verdict.accepted_fraction,
        FormatSignificant(step.achieved_per_s()), FormatSignificant(verdict.lag_slope_per_s),
        verdict.max_lag, verdict.final_lag, FormatCores(step.cpu())));
    if (!verdict.bounded) Note(absl::StrCat("  why: ", verdict.reason));
    return step;
  }

  void CheckWorkers() {
    for (int n = 1; n <= options_.workers; ++n) harness_.FailIfWorkerExited(n);
  }

  Harness& harness_;
  const E2eOptions& options_;
  std::vector<E2eStepRecord> steps_;
};

}  // namespace

int RunE2eMode(Harness& harness) { return E2eRun(harness).Run(); }

}  // namespace ingest::bench_e2e
