// mode failover: two static members under load; a crash, then a clean
// restart (see modes.h and README.md).
#include <algorithm>
#include <cmath>
#include <functional>
#include <iterator>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "bench/common/console.h"
#include "bench/common/load_driver.h"
#include "bench/common/metrics_text.h"
#include "bench/common/progress.h"
#include "bench/common/report.h"
#include "bench/common/size_label.h"
#include "bench/e2e/acked_ledger.h"
#include "bench/e2e/modes.h"
#include "bench/e2e/report.h"
#include "bench/e2e/takeover.h"
#include "services/common/crypto/sha256.h"
#include "tools/loadgen/pg_rows.h"
#include "tools/loadgen/verifier.h"

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
constexpr int kCrashed = 2;  // the worker killed, then restarted
constexpr int kSurvivor = 1;

std::string Partitions(const std::set<int32_t>& partitions) {
  return partitions.empty() ? "none" : absl::StrJoin(partitions, ",");
}

google::protobuf::Value SecondsOrNull(const std::optional<absl::Duration>& duration) {
  return Nullable(duration.has_value() ? absl::ToDoubleSeconds(*duration) : std::nan(""));
}

class FailoverRun {
 public:
  explicit FailoverRun(Harness& harness) : harness_(harness), options_(harness.options()) {}

  int Run() {
    record_.set_kind("failover");
    record_.set_session_timeout_s(absl::ToDoubleSeconds(options_.session_timeout));
    record_.set_rate_per_s(options_.rate_per_s);
    Note(absl::StrFormat(
        "failover: 2 static workers (session timeout %s, heartbeat %s), %s msgs/s of %s over "
        "%d sessions%s",
        absl::FormatDuration(options_.session_timeout),
        absl::FormatDuration(options_.heartbeat_interval), FormatSignificant(options_.rate_per_s),
        bench::SizeLabel(options_.size_bytes), options_.lanes, options_.quick ? "; QUICK" : ""));
    FailoverRunRecord run = harness_.NewRunRecord<FailoverRunRecord>();
    run.set_size(bench::SizeLabel(options_.size_bytes));
    run.set_lanes(options_.lanes);
    run.set_rate_per_s(options_.rate_per_s);
    run.set_session_timeout_s(record_.session_timeout_s());
    harness_.Write(run);

    const std::unique_ptr<PooledSessions> pooled = harness_.CreatePooledSessions();
    start_ = absl::Now();
    harness_.StartWorkers(2, [this](int n) { return StaticFlags(n); });
    Event("workers 1 and 2 ready");
    harness_.StartLagSampler();

    bench::PhaseCounters counters;
    bench::OpenLoop load(*pooled->sink, options_.rate_per_s, options_.lanes, counters);
    load.Start();
    Event(absl::StrCat("load started: ", FormatSignificant(options_.rate_per_s), " msgs/s"));
    Settle("before the crash", /*hold=*/options_.settle);

    Crash();
    harness_.Check(harness_.workers().Start(kCrashed, StaticFlags(kCrashed)));
    Event("worker 2 restarted (same instance id) and ready");
    Settle("after the crash", absl::ZeroDuration());

    CleanRestart();

    harness_.Check(load.Stop(kStopTimeout));
    record_.set_acked(counters.acked.load());
    record_.set_errors(counters.errors.load());
    record_.set_backpressure_retries(counters.backpressure_retries.load());
    Event(absl::StrCat("load stopped: ", record_.acked(), " acknowledged, ", record_.errors(),
                       " failed, ", load.abandoned(), " never sent"));
    if (record_.errors() > 0) {
      Note(absl::StrCat("first failure: ", load.first_failure().ToString()));
    }

    const LagWait drained =
        harness_.WaitForLagAtMost(0, options_.drain_timeout, "failover: draining (lag -> 0)");
    if (!drained.reached) {
      Finish();
      harness_.Fail(absl::DeadlineExceededError(
          absl::StrCat("the lag was still ", drained.lag, " ",
                       absl::FormatDuration(options_.drain_timeout), " after the load stopped")));
    }
    Event("drained: lag 0");
    CheckExactlyOnce(*pooled);

    harness_.workers().StopAll(options_.worker_stop_grace);
    Finish();
    harness_.PrintLines();
    if (record_.exactly_once()) return 0;
    Note("error: PostgreSQL does not hold every acknowledged payload exactly once");
    return 1;
  }

 private:
  std::vector<std::string> StaticFlags(int n) const {
    return {
        absl::StrCat("--group_instance_id=", WorkerFleet::Name(n)),
        absl::StrCat("--session_timeout=", absl::FormatDuration(options_.session_timeout)),
        absl::StrCat("--heartbeat_interval=", absl::FormatDuration(options_.heartbeat_interval))};
  }

  void Event(const std::string& what) {
    // Milliseconds are plenty for events seconds apart.
    const double at = std::round(absl::ToDoubleSeconds(absl::Now() - start_) * 1000) / 1000;
    google::protobuf::ListValue& event = *record_.add_timeline();
    event.add_values()->set_number_value(at);
    event.add_values()->set_string_value(what);
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
          stderr, absl::StrCat("failover: workers settling ", when), options_.settle_timeout, [&] {
            return last.has_value() ? absl::StrCat("owned ", last->first, " + ", last->second,
                                                   " of ", partitions)
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
    Event(absl::StrCat("settled ", when, ": worker 1 owns ", Partitions(Owned(kSurvivor)),
                       ", worker 2 owns ", Partitions(Owned(kCrashed))));
    if (hold > absl::ZeroDuration()) {
      bench::PhaseProgress progress(stderr, "failover: load on both workers", hold, [this] {
        return absl::StrCat("lag=", harness_.LatestLagOrMinusOne());
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
    return harness_.ValueOrFail(harness_.workers().OwnedPartitions(n));
  }

  void CheckRunning() {
    for (const int n : {kSurvivor, kCrashed}) harness_.FailIfWorkerExited(n);
  }

  // Follows the takeover of `partitions`, whose worker stopped at
  // `stopped_at`. The baseline is their committed offsets now (0 for one
  // without a row): call it once the stopped worker can commit nothing more.
  TakeoverTracker Track(const std::set<int32_t>& partitions, absl::Time stopped_at) {
    const std::map<int32_t, int64_t> committed =
        harness_.ValueOrFail(harness_.ReadCommittedOffsets());
    std::map<int32_t, int64_t> baseline;
    for (const int32_t partition : partitions) {
      const auto it = committed.find(partition);
      baseline[partition] = it == committed.end() ? 0 : it->second;
    }
    // A caught-up partition may still receive its next record this long
    // after a stop: two session timeouts (a takeover takes about one).
    return TakeoverTracker(stopped_at, std::move(baseline), 2 * options_.session_timeout);
  }

  // Polls the committed offsets (every 50 ms) and the watermarks (every
  // 500 ms) until every partition of `tracker` (`watched` of them) is
  // consumed again or the takeover timeout; `also` runs on every poll (e.g.
  // a readiness probe).
  TakeoverResult Follow(TakeoverTracker& tracker, size_t watched, absl::Time stopped_at,
                        const std::string& title, const std::function<void()>& also) {
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
      also();
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
      harness_.Fail(absl::FailedPreconditionError(absl::StrCat(
          "worker 2 owns no partition according to ", harness_.workers().log_path(kCrashed))));
    }
    record_.mutable_killed_partitions()->Add(partitions.begin(), partitions.end());
    const absl::Time killed_at = absl::Now();
    harness_.Check(harness_.workers().Kill(kCrashed));
    Event(absl::StrCat("SIGKILL worker 2 (partitions ", Partitions(partitions), ")"));
    // Tracked once the process is gone: it can commit nothing more.
    TakeoverTracker tracker = Track(partitions, killed_at);
    const TakeoverResult takeover = Follow(tracker, partitions.size(), killed_at,
                                           "failover: SIGKILL -> partitions consumed again",
                                           [this] { harness_.FailIfWorkerExited(kSurvivor); });
    record_.mutable_killed_idle_partitions()->Add(takeover.idle.begin(), takeover.idle.end());
    record_.mutable_killed_pending_partitions()->Add(takeover.pending.begin(),
                                                     takeover.pending.end());
    *record_.mutable_takeover_s() = SecondsOrNull(takeover.takeover);
    JudgeFailover(record_);
    if (takeover.takeover.has_value()) {
      Event(absl::StrFormat("takeover complete after %.2fs (%.2f x session timeout)",
                            absl::ToDoubleSeconds(*takeover.takeover),
                            record_.ratio().number_value()));
    } else {
      Event(absl::StrCat("takeover NOT complete within ",
                         absl::FormatDuration(options_.takeover_timeout),
                         "; pending: ", absl::StrJoin(takeover.pending, ",")));
    }
  }

  int64_t Rebalanced(int n, absl::string_view kind) {
    const std::string metrics = harness_.ValueOrFail(harness_.workers().Metrics(n));
    // No sample of a kind before its first rebalance: 0.
    return static_cast<int64_t>(
        SumOfMetric(metrics, kRebalanceCounter, absl::StrCat("kind=\"", kind, "\"")).value_or(0));
  }

  // Part B: SIGTERM worker 2 and start it again at once, same instance id.
  void CleanRestart() {
    const int64_t survivor_before =
        Rebalanced(kSurvivor, "revoked") + Rebalanced(kSurvivor, "assigned");
    const std::set<int32_t> partitions = Owned(kCrashed);
    record_.mutable_restart_partitions()->Add(partitions.begin(), partitions.end());
    const absl::Time term_at = absl::Now();
    Event(absl::StrCat("SIGTERM worker 2 (partitions ", Partitions(partitions), ")"));
    const absl::StatusOr<absl::Duration> shutdown =
        harness_.workers().Stop(kCrashed, options_.worker_stop_grace);
    if (!shutdown.ok()) {
      Note(absl::StrCat("worker 2 did not exit cleanly: ", shutdown.status().ToString()));
    }
    record_.set_restart_shutdown_s(
        absl::ToDoubleSeconds(shutdown.ok() ? *shutdown : absl::Now() - term_at));
    Event(absl::StrFormat("worker 2 exited after %.2fs", record_.restart_shutdown_s()));
    TakeoverTracker tracker = Track(partitions, term_at);
    harness_.Check(harness_.workers().Launch(kCrashed, StaticFlags(kCrashed)));
    Event("worker 2 started again (same instance id)");
    bool ready = false;
    absl::Time next_probe = absl::Now();
    const TakeoverResult restart =
        Follow(tracker, partitions.size(), term_at,
               "failover: SIGTERM -> restart -> partitions consumed again", [&] {
                 CheckRunning();
                 if (ready || absl::Now() < next_probe) return;
                 next_probe = absl::Now() + kOwnershipPoll;
                 if (harness_.workers().Ready(kCrashed)) {
                   ready = true;
                   Event("worker 2 ready");
                 }
               });
    *record_.mutable_restart_s() = SecondsOrNull(restart.takeover);
    if (restart.takeover.has_value()) {
      Event(absl::StrFormat("restart complete after %.2fs",
                            absl::ToDoubleSeconds(*restart.takeover)));
    } else {
      Event(absl::StrCat("restart NOT complete within ",
                         absl::FormatDuration(options_.takeover_timeout)));
    }
    harness_.Check(
        harness_.workers().WaitReady(kCrashed, absl::Now() + options_.worker_ready_timeout));
    Settle("after the restart", absl::ZeroDuration());
    const int64_t survivor_after =
        Rebalanced(kSurvivor, "revoked") + Rebalanced(kSurvivor, "assigned");
    const int64_t restarted_revoked = Rebalanced(kCrashed, "revoked");
    record_.set_restart_revocations(survivor_after - survivor_before + restarted_revoked);
    const std::set<int32_t> after = Owned(kCrashed);
    std::vector<int32_t> moved;
    std::set_symmetric_difference(partitions.begin(), partitions.end(), after.begin(), after.end(),
                                  std::back_inserter(moved));
    record_.set_restart_partitions_moved(moved.size());
    Event(absl::StrCat("after the restart: worker 1 rebalanced ", survivor_after - survivor_before,
                       " partitions, worker 2 revoked ", restarted_revoked, "; worker 2 owns ",
                       Partitions(after), " (", moved.size(), " moved)"));
  }

  // After the drain: PostgreSQL must hold every payload the gateway
  // acknowledged, once, in order, with a body the run sent
  // (tools/loadgen's verifier).
  void CheckExactlyOnce(const PooledSessions& pooled) {
    std::vector<AckedSession> acked;
    std::vector<std::string> session_ids;
    for (int i = 0; i < options_.lanes; ++i) {
      session_ids.push_back(pooled.sessions[static_cast<size_t>(i)]->id());
      acked.push_back({session_ids.back(), pooled.sink->acked_through(i)});
    }
    SentBodies bodies{.size_bytes = static_cast<uint64_t>(options_.size_bytes)};
    for (size_t i = 0; i < pooled.pool.size(); ++i) {
      bodies.sha256_hex.insert(Sha256Hex(pooled.pool.content(i).SerializeAsString()));
    }
    const std::unique_ptr<loadgen::RowReader> reader =
        harness_.ValueOrFail(loadgen::ConnectPgRowReader(options_.pg_dsn));
    const loadgen::StoredRows rows = harness_.ValueOrFail(reader->ReadRows(session_ids));
    const std::vector<loadgen::LedgerEntry> ledger = AckedLedger(acked, bodies, rows);
    const loadgen::VerificationReport report = loadgen::Verify(ledger, rows);
    record_.set_stored(report.persisted);
    record_.set_exactly_once(report.problems.empty());
    record_.set_exactly_once_problems(absl::StrJoin(report.problems, "; "));
    Note(absl::StrFormat(
        "exactly once: %d sessions, %d payloads acknowledged, %d stored: %s", acked.size(),
        ledger.size(), record_.stored(),
        report.problems.empty() ? "every one once, in order" : record_.exactly_once_problems()));
  }

  void Finish() {
    JudgeFailover(record_);
    harness_.AddResult(record_, FormatFailoverLine(record_), "failover", {FailoverTarget(record_)});
  }

  Harness& harness_;
  const E2eOptions& options_;
  absl::Time start_;
  FailoverRecord record_;
};

}  // namespace

int RunFailoverMode(Harness& harness) { return FailoverRun(harness).Run(); }

}  // namespace ingest::bench_e2e
