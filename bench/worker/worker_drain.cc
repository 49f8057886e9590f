#include "bench/worker/worker_drain.h"

#include <signal.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "bench/common/console.h"
#include "bench/common/process_usage.h"
#include "bench/common/report.h"
#include "services/common/status/status_context.h"
#include "services/common/status/status_macros.h"
#include "tests/testing/child_process.h"

namespace ingest::bench_worker {
namespace {

using ::ingest::bench::FormatSignificant;
using ::ingest::bench::Note;

// A worker still running when DrainWithWorker returns early: SIGTERM, then
// SIGKILL after this.
constexpr absl::Duration kWorkerDestructorGrace = absl::Seconds(10);

// CPU time counts in clock ticks (10 ms): a shorter window is too coarse.
constexpr absl::Duration kMinCpuWindow = absl::Seconds(1);

constexpr char kCommittedSql[] =
    "SELECT coalesce(sum(next_offset), 0) FROM consumer_offsets WHERE topic = $1";

absl::StatusOr<int64_t> QueryCount(PgConnection& db, const char* sql,
                                   const std::vector<PgParam>& params) {
  ASSIGN_OR_RETURN(PgResult result, db.Query(sql, params));
  return std::strtoll(PQgetvalue(result.get(), 0, 0), nullptr, 10);
}

void NoteWorker(const Drain& drain, const WorkerThroughput& worker) {
  const double cpu_s_per_gib = CpuSecondsPerGib(worker);
  const std::string cpu = cpu_s_per_gib < 0 ? ""
                                            : absl::StrCat("; ", FormatSignificant(cpu_s_per_gib),
                                                           " worker CPU-s per GiB persisted");
  if (worker.includes_startup) {
    Note(absl::StrFormat(
        "  %s @%dp worker: %s msg/s (all %d records committed by the first reading, %s after "
        "the start: start-up included%s)",
        drain.label, drain.partitions, FormatSignificant(worker.msgs_per_s), worker.records,
        absl::FormatDuration(worker.startup), cpu));
  } else {
    Note(absl::StrFormat(
        "  %s @%dp worker: %s msg/s (%d records in %s after %d already committed at the first "
        "reading, %s after the start; cores: worker %.2f, kafka %.2f%s)",
        drain.label, drain.partitions, FormatSignificant(worker.msgs_per_s),
        worker.records - worker.first_seen, absl::FormatDuration(worker.window), worker.first_seen,
        absl::FormatDuration(worker.startup), worker.worker_cpu_cores, worker.kafka_cpu_cores,
        cpu));
  }
}

}  // namespace

absl::StatusOr<WorkerThroughput> DrainWithWorker(const WorkerBenchOptions& options,
                                                 PgConnection& db, const Drain& drain) {
  std::vector<std::string> argv = options.worker_command;
  argv.push_back(absl::StrCat("--topic=", drain.topic));
  argv.push_back(absl::StrCat("--group_id=", drain.group_id));
  const std::string log_hint =
      options.worker_log.empty() ? "" : absl::StrCat("; see ", options.worker_log);
  if (!options.worker_log.empty()) {
    std::ofstream(options.worker_log, std::ios::app)
        << "----- worker_bench: " << absl::StrJoin(argv, " ") << "\n";
  }

  WorkerThroughput result;
  result.records = drain.records;
  std::atomic<int64_t> done{0};
  const absl::Time started = absl::Now();
  // Own session, SIGTERM if the benchmark dies, and the pid file for ./dev's
  // EXIT trap. Started on this thread, which outlives it (parent-death signal).
  absl::StatusOr<ChildProcess> worker =
      ChildProcess::Start(argv, {.log_file = options.worker_log,
                                 .pidfile = options.worker_pidfile,
                                 .own_session = true,
                                 .parent_death_signal = SIGTERM,
                                 .destructor_grace = kWorkerDestructorGrace});
  RETURN_IF_ERROR(WithContext(worker.status(), "start the worker"));
  bench::PhaseProgress progress =
      CountProgress(absl::StrCat(drain.label, " worker @", drain.partitions, " partitions"), done,
                    drain.records, "persisted");
  std::optional<absl::Time> first_at;
  absl::Time progress_at = started;
  // The worker's CPU time and the broker's, read as the window opens and closes.
  const std::vector<std::vector<int>> watched = {{worker->pid()}, {options.kafka_pid}};
  bench::CpuReading cpu_start;
  for (;;) {
    absl::SleepFor(options.poll_interval);
    if (!worker->Running()) {
      return absl::AbortedError(
          absl::StrCat("the worker ", worker->exit_text(), " during the phase", log_hint));
    }
    ASSIGN_OR_RETURN(const int64_t committed,
                     WithContext(QueryCount(db, kCommittedSql, {PgParam::Text(drain.topic)}),
                                 "read consumer_offsets"));
    const absl::Time now = absl::Now();
    if (committed > done.load()) {
      done.store(committed);
      progress_at = now;
    }
    if (committed > 0 && !first_at.has_value()) {
      first_at = now;
      result.first_seen = committed;
      result.startup = now - started;
      cpu_start = bench::ReadCpu(watched);
    }
    if (committed >= drain.records) {
      result.window = now - *first_at;
      break;
    }
    if (!first_at.has_value() && now - started > options.first_row_timeout) {
      return absl::DeadlineExceededError(
          absl::StrCat("the worker persisted nothing within ",
                       absl::FormatDuration(options.first_row_timeout), log_hint));
    }
    if (first_at.has_value() && now - progress_at > options.stall_timeout) {
      return absl::DeadlineExceededError(
          absl::StrCat("the worker stalled at ", done.load(), " of ", drain.records,
                       " records for ", absl::FormatDuration(options.stall_timeout), log_hint));
    }
  }

  // A window under kMinCpuWindow (tiny --quick phases) or none at all
  // (everything committed by the first reading) is measured from the
  // worker's start instead, over every record, start-up included.
  const bench::CpuReading cpu_end = bench::ReadCpu(watched);
  result.worker_cpu_cores = bench::CoresUsed(cpu_start.groups[0], cpu_end.groups[0], result.window);
  result.kafka_cpu_cores = bench::CoresUsed(cpu_start.groups[1], cpu_end.groups[1], result.window);
  result.cpu_from_start = result.first_seen >= drain.records || result.window < kMinCpuWindow;
  if (!cpu_end.groups[0].empty()) {
    result.worker_cpu_s = absl::ToDoubleSeconds(bench::CpuUsed(
        result.cpu_from_start ? bench::CpuByPid() : cpu_start.groups[0], cpu_end.groups[0]));
  }
  progress.Finish();
  if (absl::Status status = worker->Terminate(options.worker_stop_timeout); !status.ok()) {
    Note(absl::StrCat("warning: ", status.message(), log_hint));
  }

  result.includes_startup = result.first_seen >= drain.records;
  result.msgs_per_s = result.includes_startup
                          ? Rate(drain.records, result.startup)
                          : Rate(drain.records - result.first_seen, result.window);
  result.persisted_bytes =
      std::llround(static_cast<double>(result.cpu_from_start ? drain.records
                                                             : drain.records - result.first_seen) *
                   drain.content_per_record);
  ASSIGN_OR_RETURN(const int64_t rows,
                   WithContext(QueryCount(db, "SELECT count(*) FROM session_payloads", {}),
                               "count session_payloads"));
  if (rows != drain.records) {
    return absl::DataLossError(absl::StrCat(
        "the worker committed offsets past ", drain.records, " records but session_payloads holds ",
        rows, " rows (dead-lettered or replayed records?)", log_hint));
  }
  NoteWorker(drain, result);
  return result;
}

}  // namespace ingest::bench_worker
