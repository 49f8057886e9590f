// mode failover: two static members under load; a crash, then a clean
// restart (see modes.h and README.md).
#include <algorithm>
#include <functional>
#include <iterator>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "services/common/pg/connection.h"
#include "bench/common/console.h"
#include "bench/common/json_line.h"
#include "bench/common/metrics_text.h"
#include "bench/common/payload_pool.h"
#include "bench/common/progress.h"
#include "bench/common/report.h"
#include "bench/common/sdk_sink.h"
#include "bench/common/size_label.h"
#include "bench/e2e/modes.h"
#include "bench/e2e/paced_load.h"
#include "bench/e2e/stored_sessions.h"
#include "bench/e2e/takeover.h"

namespace ingest::bench_e2e {
namespace {

using ::ingest::bench::FormatSignificant;
using ::ingest::bench::Note;
using ::ingest::bench::SumOfMetric;

constexpr char kAssignedGauge[] = "ingest_worker_assigned_partitions";
constexpr char kRebalanceCounter[] = "ingest_worker_rebalance_partitions_total";
constexpr absl::Duration kCommittedPoll = absl::Milliseconds(50);
constexpr absl::Duration kWatermarkPoll = absl::Milliseconds(500);
constexpr absl::Duration kOwnershipPoll = absl::Milliseconds(250);
// Ownership counts as settled once unchanged for this long.
constexpr absl::Duration kOwnershipStable = absl::Seconds(3);
constexpr absl::Duration kStopTimeout = absl::Seconds(60);
constexpr int kCrashed = 2;   // the worker killed, then restarted
constexpr int kSurvivor = 1;

std::string Partitions(const std::set<int32_t>& partitions) {
  return partitions.empty() ? "none" : absl::StrJoin(partitions, ",");
}

class FailoverRun {
 public:
  explicit FailoverRun(Harness& harness) : harness_(harness), options_(harness.options()) {}

  int Run() {
    result_.session_timeout_s = absl::ToDoubleSeconds(options_.session_timeout);
    result_.rate_per_s = options_.rate_per_s;
    Note(absl::StrFormat(
        "failover: 2 static workers (session timeout %s, heartbeat %s), %s msgs/s of %s over "
        "%d sessions%s",
        absl::FormatDuration(options_.session_timeout),
        absl::FormatDuration(options_.heartbeat_interval), FormatSignificant(options_.rate_per_s),
        bench::SizeLabel(options_.size_bytes), options_.lanes, options_.quick ? "; QUICK" : ""));
    harness_.results().Write(
        harness_.RunJson()
            .Add("size", bench::SizeLabel(options_.size_bytes))
            .Add("lanes", options_.lanes)
            .Add("rate_per_s", options_.rate_per_s)
            .Add("session_timeout_s", absl::ToDoubleSeconds(options_.session_timeout))
            .Add("cpus", static_cast<int64_t>(std::thread::hardware_concurrency()))
            .Build());

    const bench::PayloadPoolOptions pool_options{.message_bytes = options_.size_bytes,
                                                 .pool_bytes = options_.pool_bytes,
                                                 .project_id = options_.project_id};
    const bench::PayloadPool pool = bench::PayloadPool::Build(pool_options);
    absl::StatusOr<std::vector<std::unique_ptr<client::Session>>> sessions =
        harness_.CreateSessions(options_.lanes);
    if (!sessions.ok()) harness_.Fail(sessions.status());
    absl::StatusOr<std::unique_ptr<PgConnection>> db =
        PgConnection::Connect(options_.pg_dsn, absl::Seconds(10));
    if (!db.ok()) harness_.Fail(db.status());

    start_ = absl::Now();
    for (const int n : {kSurvivor, kCrashed}) Check(harness_.workers().Launch(n, StaticFlags(n)));
    Event("workers 1 and 2 started");
    const absl::Time ready_by = absl::Now() + options_.worker_ready_timeout;
    for (const int n : {kSurvivor, kCrashed}) Check(harness_.workers().WaitReady(n, ready_by));
    Event("workers 1 and 2 ready");
    harness_.StartLagSampler();

    bench::SdkSink sink(
        *sessions, options_.lanes,
        [&pool](uint64_t k) -> const v1::PayloadContent& { return pool.content(k); },
        harness_.backpressure());
    PacedLoad load(sink, options_.rate_per_s, options_.lanes);
    load.Start();
    Event(absl::StrCat("load started: ", FormatSignificant(options_.rate_per_s), " msgs/s"));
    Settle("before the crash", /*hold=*/options_.settle);

    Crash();
    Check(harness_.workers().Start(kCrashed, StaticFlags(kCrashed)));
    Event("worker 2 restarted (same instance id) and ready");
    Settle("after the crash", absl::ZeroDuration());

    CleanRestart();

    const absl::Status stopped = load.Stop(kStopTimeout);
    if (!stopped.ok()) harness_.Fail(stopped);
    const bench::PhaseCounters& counters = load.counters();
    result_.acked = counters.acked.load();
    result_.errors = counters.errors.load();
    result_.backpressure_retries = counters.backpressure_retries.load();
    Event(absl::StrCat("load stopped: ", result_.acked, " acknowledged, ", result_.errors,
                       " failed, ", load.abandoned(), " never sent"));
    if (result_.errors > 0) Note(absl::StrCat("first failure: ", load.first_error()));

    const LagWait drained =
        harness_.WaitForLagAtMost(0, options_.drain_timeout, "failover: draining (lag -> 0)");
    if (!drained.reached) {
      Finish();
      harness_.Fail(absl::DeadlineExceededError(
          absl::StrCat("the lag was still ", drained.lag, " ",
                       absl::FormatDuration(options_.drain_timeout), " after the load stopped")));
    }
    Event("drained: lag 0");

    std::map<std::string, int64_t> acked;
    std::vector<std::string> session_ids;
    for (int i = 0; i < options_.lanes; ++i) {
      const std::string& id = (*sessions)[static_cast<size_t>(i)]->id();
      acked[id] = static_cast<int64_t>(sink.acked_through(i));
      session_ids.push_back(id);
    }
    absl::StatusOr<std::map<std::string, StoredSession>> stored =
        ReadStoredSessions(**db, session_ids);
    if (!stored.ok()) harness_.Fail(stored.status());
    result_.exactly_once = CheckExactlyOnce(acked, *stored);
    Note(absl::StrFormat("exactly once: %d sessions, %d payloads acknowledged, %d stored: %s",
                         result_.exactly_once->sessions, result_.exactly_once->acked,
                         result_.exactly_once->stored,
                         result_.exactly_once->ok()
                             ? "every one once"
                             : absl::StrJoin(result_.exactly_once->problems, "; ")));

    harness_.workers().StopAll(options_.worker_stop_grace);
    Finish();
    if (!result_.exactly_once->ok()) {
      harness_.PrintLines();
      Note("error: PostgreSQL does not hold every acknowledged payload exactly once");
      return 1;
    }
    harness_.PrintLines();
    return 0;
  }

 private:
  std::vector<std::string> StaticFlags(int n) const {
    return {absl::StrCat("--group_instance_id=", WorkerFleet::Name(n)),
            absl::StrCat("--session_timeout=", absl::FormatDuration(options_.session_timeout)),
            absl::StrCat("--heartbeat_interval=",
                         absl::FormatDuration(options_.heartbeat_interval))};
  }

  void Check(const absl::Status& status) {
    if (!status.ok()) harness_.Fail(status);
  }

  void Event(const std::string& what) {
    const double at = absl::ToDoubleSeconds(absl::Now() - start_);
    result_.timeline.emplace_back(at, what);
    Note(absl::StrFormat("  [%7.2fs] %s", at, what));
  }

  // Both workers' gauge of owned partitions; nullopt if one cannot be read.
  std::optional<std::pair<int, int>> OwnedCounts() {
    std::vector<int> counts;
    for (const int n : {kSurvivor, kCrashed}) {
      absl::StatusOr<std::string> metrics = harness_.workers().Metrics(n);
      if (!metrics.ok()) return std::nullopt;
      counts.push_back(static_cast<int>(SumOfMetric(*metrics, kAssignedGauge).value_or(0)));
    }
    return std::pair{counts[0], counts[1]};
  }

  // Waits until both workers own partitions, all of them between them, with
  // no change for kOwnershipStable; then holds the load for `hold`; then
  // waits for the lag to be back under a second of load (+ 2 x lanes).
  void Settle(const std::string& when, absl::Duration hold) {
    const int partitions = harness_.partition_count();
    const absl::Time begin = absl::Now();
    std::optional<std::pair<int, int>> last;
    absl::Time unchanged_since = begin;
    bool settled = false;
    {
      bench::PhaseProgress progress(
          stderr, absl::StrCat("failover: workers settling ", when), options_.settle_timeout,
          [&] {
            return last.has_value()
                       ? absl::StrCat("owned ", last->first, " + ", last->second, " of ",
                                      partitions)
                       : std::string("owned ?");
          });
      while (absl::Now() - begin < options_.settle_timeout) {
        CheckRunning();
        const std::optional<std::pair<int, int>> counts = OwnedCounts();
        if (counts != last) unchanged_since = absl::Now();
        last = counts;
        if (counts.has_value() && counts->first > 0 && counts->second > 0 &&
            counts->first + counts->second == partitions &&
            absl::Now() - unchanged_since >= kOwnershipStable) {
          settled = true;
          break;
        }
        absl::SleepFor(kOwnershipPoll);
      }
    }
    if (!settled) {
      harness_.Fail(absl::DeadlineExceededError(absl::StrCat(
          "the two workers did not settle on ", partitions, " partitions between them within ",
          absl::FormatDuration(options_.settle_timeout), " ", when, " (owned: ",
          last.has_value() ? absl::StrCat(last->first, " + ", last->second) : "unknown", ")")));
    }
    Event(absl::StrCat("settled ", when, ": worker 1 owns ",
                       Partitions(Owned(kSurvivor)), ", worker 2 owns ",
                       Partitions(Owned(kCrashed))));
    if (hold > absl::ZeroDuration()) {
      bench::PhaseProgress progress(stderr, "failover: load on both workers", hold, [this] {
        const std::optional<chaos::LagSample> lag = harness_.LatestLag();
        return absl::StrCat("lag=", lag.has_value() ? lag->lag : -1);
      });
      absl::SleepFor(hold);
    }
    const int64_t floor =
        static_cast<int64_t>(options_.rate_per_s) + 2 * static_cast<int64_t>(options_.lanes);
    const LagWait wait = harness_.WaitForLagAtMost(
        floor, options_.settle_timeout, absl::StrCat("failover: lag <= ", floor, " ", when));
    if (!wait.reached) {
      Note(absl::StrCat("the lag (", wait.lag, ") stayed above ", floor, "; going on"));
    }
  }

  std::set<int32_t> Owned(int n) {
    absl::StatusOr<std::set<int32_t>> owned = harness_.workers().OwnedPartitions(n);
    if (!owned.ok()) harness_.Fail(owned.status());
    return *owned;
  }

  void CheckRunning() {
    for (const int n : {kSurvivor, kCrashed}) harness_.FailIfWorkerExited(n);
  }

  // The committed offsets of `partitions` now (0 for one without a row).
  std::map<int32_t, int64_t> Baseline(const std::set<int32_t>& partitions) {
    absl::StatusOr<std::map<int32_t, int64_t>> committed = harness_.ReadCommittedOffsets();
    if (!committed.ok()) harness_.Fail(committed.status());
    std::map<int32_t, int64_t> baseline;
    for (const int32_t partition : partitions) {
      const auto it = committed->find(partition);
      baseline[partition] = it == committed->end() ? 0 : it->second;
    }
    return baseline;
  }

  // How long after a stop a caught-up partition may still receive its next
  // record: two session timeouts (a takeover takes about one).
  absl::Duration IdleGrace() const { return 2 * options_.session_timeout; }

  // Polls the committed offsets (every 50 ms) and the watermarks (every
  // 500 ms) until every partition of `tracker` is consumed again or the
  // takeover timeout; `also` runs on every poll (e.g. a readiness probe).
  TakeoverResult Follow(TakeoverTracker& tracker, const std::string& title,
                        absl::Time stopped_at, size_t watched,
                        const std::function<void()>& also) {
    size_t advanced = 0;
    bench::PhaseProgress progress(stderr, title, options_.takeover_timeout, [&] {
      return absl::StrCat(advanced, " of ", watched, " partitions consumed again");
    });
    absl::Time next_watermarks = absl::Now();
    while (absl::Now() - stopped_at < options_.takeover_timeout) {
      if (absl::Now() >= next_watermarks) {
        absl::StatusOr<std::map<int32_t, int64_t>> high = harness_.ReadHighWatermarks();
        if (high.ok()) tracker.ObserveHighWatermarks(*high);
        next_watermarks = absl::Now() + kWatermarkPoll;
      }
      absl::StatusOr<std::map<int32_t, int64_t>> committed = harness_.ReadCommittedOffsets();
      const absl::Time at = absl::Now();
      if (committed.ok()) {
        for (const int32_t partition : tracker.ObserveCommitted(at, *committed)) {
          ++advanced;
          Event(absl::StrCat("partition ", partition, " consumed again"));
        }
      }
      if (also) also();
      if (tracker.Complete(absl::Now())) break;
      absl::SleepFor(kCommittedPoll);
    }
    progress.Finish();
    return tracker.Result();
  }

  // Part A: SIGKILL worker 2; how long until its partitions are consumed again.
  void Crash() {
    const std::set<int32_t> partitions = Owned(kCrashed);
    if (partitions.empty()) {
      harness_.Fail(absl::FailedPreconditionError(
          absl::StrCat("worker 2 owns no partition according to ",
                       harness_.workers().log_path(kCrashed))));
    }
    result_.killed_partitions.assign(partitions.begin(), partitions.end());
    const absl::Time killed_at = absl::Now();
    Check(harness_.workers().Kill(kCrashed));
    Event(absl::StrCat("SIGKILL worker 2 (partitions ", Partitions(partitions), ")"));
    // Read once the process is gone: it can commit nothing more.
    TakeoverTracker tracker(killed_at, Baseline(partitions), IdleGrace());
    result_.takeover =
        Follow(tracker, "failover: SIGKILL -> partitions consumed again", killed_at,
               partitions.size(), [this] { harness_.FailIfWorkerExited(kSurvivor); });
    if (result_.takeover.takeover.has_value()) {
      Event(absl::StrFormat("takeover complete after %.2fs (%.2f x session timeout)",
                            absl::ToDoubleSeconds(*result_.takeover.takeover),
                            FailoverRatio(result_)));
    } else {
      Event(absl::StrCat("takeover NOT complete within ",
                         absl::FormatDuration(options_.takeover_timeout), "; pending: ",
                         absl::StrJoin(result_.takeover.pending, ",")));
    }
  }

  int64_t Rebalanced(int n, absl::string_view kind) {
    absl::StatusOr<std::string> metrics = harness_.workers().Metrics(n);
    if (!metrics.ok()) harness_.Fail(metrics.status());
    // No sample of a kind before its first rebalance: 0.
    return static_cast<int64_t>(
        SumOfMetric(*metrics, kRebalanceCounter, absl::StrCat("kind=\"", kind, "\""))
            .value_or(0));
  }

  // Part B: SIGTERM worker 2 and start it again at once, same instance id.
  void CleanRestart() {
    const int64_t survivor_before =
        Rebalanced(kSurvivor, "revoked") + Rebalanced(kSurvivor, "assigned");
    const std::set<int32_t> partitions = Owned(kCrashed);
    result_.restart_partitions.assign(partitions.begin(), partitions.end());
    const absl::Time term_at = absl::Now();
    Event(absl::StrCat("SIGTERM worker 2 (partitions ", Partitions(partitions), ")"));
    absl::StatusOr<absl::Duration> shutdown =
        harness_.workers().Stop(kCrashed, options_.worker_stop_grace);
    if (!shutdown.ok()) {
      Note(absl::StrCat("worker 2 did not exit cleanly: ", shutdown.status().ToString()));
      result_.restart_shutdown_s = absl::ToDoubleSeconds(absl::Now() - term_at);
    } else {
      result_.restart_shutdown_s = absl::ToDoubleSeconds(*shutdown);
    }
    Event(absl::StrFormat("worker 2 exited after %.2fs", result_.restart_shutdown_s));
    TakeoverTracker tracker(term_at, Baseline(partitions), IdleGrace());
    Check(harness_.workers().Launch(kCrashed, StaticFlags(kCrashed)));
    Event("worker 2 started again (same instance id)");
    bool ready = false;
    absl::Time next_probe = absl::Now();
    result_.restart = Follow(tracker, "failover: SIGTERM -> restart -> partitions consumed again",
                             term_at, partitions.size(), [&] {
                               CheckRunning();
                               if (ready || absl::Now() < next_probe) return;
                               next_probe = absl::Now() + kOwnershipPoll;
                               if (harness_.workers().Ready(kCrashed)) {
                                 ready = true;
                                 Event("worker 2 ready");
                               }
                             });
    if (result_.restart->takeover.has_value()) {
      Event(absl::StrFormat("restart complete after %.2fs",
                            absl::ToDoubleSeconds(*result_.restart->takeover)));
    } else {
      Event(absl::StrCat("restart NOT complete within ",
                         absl::FormatDuration(options_.takeover_timeout)));
    }
    Check(harness_.workers().WaitReady(kCrashed, absl::Now() + options_.worker_ready_timeout));
    Settle("after the restart", absl::ZeroDuration());
    const int64_t survivor_after =
        Rebalanced(kSurvivor, "revoked") + Rebalanced(kSurvivor, "assigned");
    const int64_t restarted_revoked = Rebalanced(kCrashed, "revoked");
    result_.restart_revocations = survivor_after - survivor_before + restarted_revoked;
    const std::set<int32_t> after = Owned(kCrashed);
    std::vector<int32_t> moved;
    std::set_symmetric_difference(partitions.begin(), partitions.end(), after.begin(),
                                  after.end(), std::back_inserter(moved));
    result_.restart_partitions_moved = static_cast<int64_t>(moved.size());
    Event(absl::StrCat("after the restart: worker 1 rebalanced ", survivor_after - survivor_before,
                       " partitions, worker 2 revoked ", restarted_revoked, "; worker 2 owns ",
                       Partitions(after), " (", moved.size(), " moved)"));
  }

  void Finish() {
    harness_.results().Write(FailoverJson(result_));
    const TargetCheck target = FailoverTarget(result_);
    harness_.results().Write(bench::TargetJson(target));
    harness_.AddLine(FormatFailoverLine(result_));
    harness_.AddLine(FormatTargetsLine("failover", {target}));
  }

  Harness& harness_;
  const E2eOptions& options_;
  absl::Time start_;
  FailoverResult result_;
};

}  // namespace

int RunFailoverMode(Harness& harness) { return FailoverRun(harness).Run(); }

}  // namespace ingest::bench_e2e
