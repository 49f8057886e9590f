// mode e2e: rate steps against the real gateway, Kafka, workers and
// PostgreSQL (see modes.h).
#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/common/console.h"
#include "bench/common/json_line.h"
#include "bench/common/payload_pool.h"
#include "bench/common/progress.h"
#include "bench/common/report.h"
#include "bench/common/sdk_sink.h"
#include "bench/common/size_label.h"
#include "bench/common/target_check.h"
#include "bench/e2e/modes.h"
#include "bench/e2e/paced_load.h"
#include "bench/e2e/rate_search.h"
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
    result_.size_bytes = options_.size_bytes;
    result_.gateway_max_msgs_per_s = options_.gateway_max_msgs_per_s;
    result_.worker_max_msgs_per_s = options_.worker_max_msgs_per_s;
    result_.raw_copy_msgs_per_s = options_.raw_copy_msgs_per_s;
    result_.tolerance = RateSearch::kTolerance;
    Note(absl::StrFormat(
        "e2e: %s payloads, %d sessions, %d worker(s); M = min(gateway %s, worker %s) = %s "
        "msgs/s; bisection to within %.0f%%, steps of %s warm-up + %s window, at most %d%s",
        bench::SizeLabel(options_.size_bytes), options_.lanes, options_.workers,
        FormatSignificant(options_.gateway_max_msgs_per_s),
        FormatSignificant(options_.worker_max_msgs_per_s), FormatSignificant(min_max),
        RateSearch::kTolerance * 100, absl::FormatDuration(options_.warmup), absl::FormatDuration(options_.window),
        options_.max_steps, options_.quick ? "; QUICK" : ""));
    harness_.results().Write(
        harness_.RunJson()
            .Add("size", bench::SizeLabel(options_.size_bytes))
            .Add("lanes", options_.lanes)
            .Add("workers", options_.workers)
            .Add("warmup_s", absl::ToDoubleSeconds(options_.warmup))
            .Add("window_s", absl::ToDoubleSeconds(options_.window))
            .Add("max_steps", options_.max_steps)
            .Add("search", "bisection")
            .Add("tolerance", RateSearch::kTolerance)
            .Add("cpus", static_cast<int64_t>(std::thread::hardware_concurrency()))
            .Build());

    const bench::PayloadPoolOptions pool_options{.message_bytes = options_.size_bytes,
                                                 .pool_bytes = options_.pool_bytes,
                                                 .project_id = options_.project_id};
    Note(absl::StrCat("building ", bench::PoolMessageCount(pool_options), " distinct bodies"));
    const bench::PayloadPool pool = bench::PayloadPool::Build(pool_options);
    absl::StatusOr<std::vector<std::unique_ptr<client::Session>>> sessions =
        harness_.CreateSessions(options_.lanes);
    if (!sessions.ok()) harness_.Fail(sessions.status());
    Note(absl::StrCat(options_.lanes, " sessions created"));

    for (int n = 1; n <= options_.workers; ++n) {
      if (absl::Status status = harness_.workers().Launch(n, {}); !status.ok()) {
        harness_.Fail(status);
      }
    }
    const absl::Time ready_by = absl::Now() + options_.worker_ready_timeout;
    for (int n = 1; n <= options_.workers; ++n) {
      if (absl::Status status = harness_.workers().WaitReady(n, ready_by); !status.ok()) {
        harness_.Fail(status);
      }
      Note(absl::StrCat(harness_.workers().Describe(n), " ready"));
    }
    harness_.StartLagSampler();

    bench::SdkSink sink(
        *sessions, options_.lanes,
        [&pool](uint64_t k) -> const v1::PayloadContent& { return pool.content(k); },
        harness_.backpressure());
    RateSearch search(options_.max_steps);
    while (const std::optional<double> fraction = search.Next()) {
      StepResult step = RunStep(sink, *fraction, *fraction * min_max);
      search.Record(step.verdict.bounded);
      harness_.results().Write(StepJson(step));
      result_.steps.push_back(std::move(step));
    }
    result_.converged = search.converged();
    if (!result_.converged) {
      Note(absl::StrCat("e2e: the search ended after ", search.steps(),
                        " step(s) without narrowing the bounded and the unbounded rate to within ",
                        RateSearch::kTolerance * 100, "% (--max_steps, or the ends of its range)"));
    }

    harness_.workers().StopAll(options_.worker_stop_grace);
    harness_.results().Write(E2eJson(result_));
    const std::vector<TargetCheck> targets = {E2eTarget(result_), E2eRawCopyTarget(result_)};
    for (const TargetCheck& target : targets) harness_.results().Write(bench::TargetJson(target));
    harness_.AddLine(FormatE2eLine(result_));
    harness_.AddLine(FormatTargetsLine("e2e", targets));
    harness_.PrintLines();
    return 0;
  }

 private:
  StepResult RunStep(bench::MessageSink& sink, double fraction, double rate) {
    StepResult step;
    step.fraction = fraction;
    step.rate_per_s = rate;
    step.warmup_s = absl::ToDoubleSeconds(options_.warmup);
    step.window_s = absl::ToDoubleSeconds(options_.window);
    const std::string title =
        absl::StrCat("e2e step ", result_.steps.size() + 1, ": ", FormatSignificant(fraction),
                     " x M = ", FormatSignificant(rate), " msgs/s");

    const int64_t floor = StepFloor(rate, options_.lanes);
    const LagWait wait = harness_.WaitForLagAtMost(
        floor, options_.settle_timeout, absl::StrCat(title, ": waiting for lag <= ", floor));
    step.settle_s = absl::ToDoubleSeconds(wait.waited);
    step.start_lag = wait.lag;
    step.started_clean = wait.reached;
    if (!wait.reached) {
      Note(absl::StrCat(title, ": the lag (", wait.lag, ") did not fall to ", floor, " within ",
                        absl::FormatDuration(options_.settle_timeout),
                        "; the step starts behind"));
    }
    CheckWorkers();

    PacedLoad load(sink, rate, options_.lanes);
    const bench::PhaseCounters& counters = load.counters();
    bench::PhaseProgress progress(stderr, title, options_.warmup + options_.window, [&] {
      const std::optional<chaos::LagSample> lag = harness_.LatestLag();
      return absl::StrCat("acked=", counters.acked.load(), "  lag=", lag.has_value() ? lag->lag : -1,
                          bench::CountersDetail(counters));
    });
    load.Start();
    const absl::Time started = load.start();
    const absl::Time window_start = started + options_.warmup;
    const absl::Time window_end = window_start + options_.window;
    SleepUntil(window_start);
    const CpuReadings cpu_start = harness_.ReadCpu();
    const int64_t acked_start = counters.acked.load();
    SleepUntil(window_end);
    const CpuReadings cpu_end = harness_.ReadCpu();
    const int64_t acked_end = counters.acked.load();
    const absl::Status stopped = load.Stop(kStopTimeout);
    progress.Finish();
    if (!stopped.ok()) harness_.Fail(absl::Status(stopped.code(), absl::StrCat(title, ": ",
                                                                              stopped.message())));
    CheckWorkers();

    StepObservation observation{.rate_per_s = rate, .lanes = options_.lanes};
    observation.due = load.DueCount(window_end) - load.DueCount(window_start);
    observation.accepted = acked_end - acked_start;
    observation.errors = counters.errors.load();
    observation.first_error = load.first_error();
    for (const chaos::LagSample& sample : harness_.LagBetween(started, window_end)) {
      if (sample.stale) continue;
      step.lag.emplace_back(absl::ToDoubleSeconds(sample.at - started),
                            static_cast<double>(sample.lag));
      if (sample.at >= window_start) {
        observation.lag.emplace_back(absl::ToDoubleSeconds(sample.at - window_start),
                                     sample.lag);
      }
    }
    step.verdict = ClassifyStep(observation, options_.thresholds);
    step.due = observation.due;
    step.accepted = observation.accepted;
    step.achieved_per_s =
        static_cast<double>(observation.accepted) / absl::ToDoubleSeconds(options_.window);
    step.backpressure_retries = counters.backpressure_retries.load();
    step.errors = observation.errors;
    step.first_error = observation.first_error;
    step.abandoned = load.abandoned();
    step.cpu = harness_.CoresBetween(cpu_start, cpu_end);
    Note(absl::StrFormat(
        "  %s: %s — accepted %.3f, achieved %s msgs/s, lag slope %s/s, max %d, final %d; "
        "cores: client %.2f, gateway %.2f, worker %.2f, kafka %.2f, postgres %.2f",
        title, step.verdict.bounded ? "BOUNDED" : "UNBOUNDED", step.verdict.accepted_fraction,
        FormatSignificant(step.achieved_per_s), FormatSignificant(step.verdict.lag_slope_per_s),
        step.verdict.max_lag, step.verdict.final_lag, step.cpu.client, step.cpu.gateway,
        step.cpu.worker, step.cpu.kafka, step.cpu.postgres));
    if (!step.verdict.bounded) Note(absl::StrCat("  why: ", step.verdict.reason));
    return step;
  }

  void CheckWorkers() {
    for (int n = 1; n <= options_.workers; ++n) harness_.FailIfWorkerExited(n);
  }

  Harness& harness_;
  const E2eOptions& options_;
  E2eResult result_;
};

}  // namespace

int RunE2eMode(Harness& harness) { return E2eRun(harness).Run(); }

}  // namespace ingest::bench_e2e
