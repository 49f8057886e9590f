#include "bench/retention/retention_bench.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/common/console.h"
#include "bench/common/payload_pool.h"
#include "bench/common/progress.h"
#include "bench/common/report.h"
#include "bench/common/results_file.h"
#include "bench/retention/data_size.h"
#include "bench/retention/day_fill.h"
#include "bench/retention/enforcement_timing.h"
#include "bench/retention/mount_info.h"
#include "bench/retention/page_cache.h"
#include "bench/retention/report.h"
#include "bench/retention/store_writer.h"
#include "services/common/codec/task_codec.h"
#include "services/common/payload/stored_form.h"
#include "services/common/pg/connection.h"
#include "services/common/pg/migrations.h"
#include "services/common/retention/day_partitions.h"
#include "services/common/status/status_context.h"
#include "services/common/status/status_macros.h"

namespace ingest::bench_retention {
namespace {

using ::ingest::bench::FormatSignificant;
using ::ingest::bench::Note;

constexpr absl::Duration kConnectTimeout = absl::Seconds(10);
constexpr absl::Duration kMigrationLockTimeout = absl::Seconds(5);
constexpr char kRequestedBy[] = "retention-bench";
// Random blocks the expired payloads are cut from (day_fill.h).
constexpr int kBlocks = 16;

// The enforcement of a filled day must have removed exactly it.
absl::Status CheckExpired(const FilledDay& fill, const EnforcementTiming& timing) {
  const EnforcementReport& report = timing.report;
  if (!report.incomplete.empty()) {
    return absl::AbortedError(
        absl::StrCat("enforcement left the expired day in place: ", report.incomplete));
  }
  int dropped = 0;
  for (const DayPartition& partition : report.partitions) dropped += partition.day == fill.day;
  if (dropped != static_cast<int>(std::size(kDayPartitionedTables)) ||
      report.sessions_deleted != fill.plan.sessions) {
    return absl::InternalError(absl::StrCat(
        "enforcement dropped ", dropped, " partitions of the filled day and deleted ",
        report.sessions_deleted, " sessions; expected ", std::size(kDayPartitionedTables), " and ",
        fill.plan.sessions, " (is something else writing to this database?)"));
  }
  return absl::OkStatus();
}

// Everything the phases share: the database, the day they expire, the
// writer's record templates. Main thread only.
class Bench {
 public:
  explicit Bench(const RetentionBenchOptions& options) : options_(options) {}

  absl::Status Setup() {
    RETURN_IF_ERROR(results_.Open(options_.results_jsonl));
    Note(absl::StrFormat(
        "enforcement at %s of expired payload data; worker phase: %s",
        DataSizeListLabel(options_.sizes),
        options_.runs > 0
            ? absl::StrFormat("%d run(s), %s expired, %s s windows", options_.runs,
                              DataSizeLabel(WorkerExpiredBytes(options_)),
                              FormatSignificant(absl::ToDoubleSeconds(options_.window)))
            : std::string("skipped")));
    const std::string filesystem =
        options_.disk_check_dir.empty() ? "" : FileSystemOfPath(options_.disk_check_dir);
    if (!filesystem.empty()) {
      Note(absl::StrCat("the database's directory is on ", filesystem,
                        " (dropping a partition frees its files: the file system sets the cost)"));
    }
    results_.Write(RunRecordOf(options_, absl::Now(),
                               static_cast<int>(std::thread::hardware_concurrency()), filesystem));
    RETURN_IF_ERROR(CheckDisk());
    ASSIGN_OR_RETURN(
        db_, WithContext(PgConnection::Connect(options_.pg_dsn, kConnectTimeout), "PostgreSQL"));
    RETURN_IF_ERROR(WithContext(ApplyMigrations(*db_, kMigrationLockTimeout), "schema migrations"));
    RETURN_IF_ERROR(WithContext(db_->Exec("SET client_min_messages = warning"), "PostgreSQL"));
    RETURN_IF_ERROR(WithContext(TruncateWorkerTables(), "truncate the worker's tables"));
    ASSIGN_OR_RETURN(const absl::CivilDay today, DatabaseToday(*db_));
    day_ = today - 1;
    return WithContext(CreateBlocks(*db_, options_.payload_bytes, kBlocks, /*seed=*/21),
                       "random payload blocks");
  }

  // One day of `size` filled, then expired with nothing else running.
  absl::StatusOr<SizeResult> MeasureSize(int64_t size) {
    SizeResult result{.size_bytes = size};
    ASSIGN_OR_RETURN(result.fill, Fill(size, absl::StrCat(DataSizeLabel(size), " fill")));
    ASSIGN_OR_RETURN(result.timing,
                     WithContext(TimeEnforcement(*db_, day_ + 1, kRequestedBy), "enforcement"));
    RETURN_IF_ERROR(CheckExpired(result.fill, result.timing));
    results_.Write(SizeRecordOf(result));
    return result;
  }

  // The writer alone for a window, for a window from the start of an
  // enforcement of a freshly filled day, and alone again. An enforcement
  // that left the day in place is measured all the same (`incomplete`).
  absl::StatusOr<WorkerRun> MeasureWorker(int run) {
    RETURN_IF_ERROR(BuildTemplates());
    RETURN_IF_ERROR(WithContext(TruncateWorkerTables(), "truncate the worker's tables"));
    const std::string of = absl::StrCat("run ", run, "/", options_.runs);
    WorkerRun result;
    ASSIGN_OR_RETURN(result.fill,
                     Fill(WorkerExpiredBytes(options_),
                          absl::StrCat("worker ", of, ": ",
                                       DataSizeLabel(WorkerExpiredBytes(options_)), " fill")));
    ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> enforcer,
                     WithContext(PgConnection::Connect(options_.pg_dsn, kConnectTimeout),
                                 "PostgreSQL (enforcement)"));
    ASSIGN_OR_RETURN(
        std::unique_ptr<StoreWriter> writer,
        StoreWriter::Start({.dsn = options_.pg_dsn,
                            .sessions = options_.writer_sessions,
                            .session_prefix = absl::StrCat("writer-", run, "-"),
                            .records_per_transaction = options_.records_per_transaction,
                            .retention_days = options_.writer_retention_days},
                           templates_));

    // 0 warm-up, 1 alone (before), 2 enforcing, 3 enforced, 4 alone (after).
    std::atomic<int> stage{0};
    const absl::Time started = absl::Now();
    bench::PhaseProgress progress(
        stderr, absl::StrCat("worker ", of), options_.warmup + 3 * options_.window,
        [&stage, &writer, started] {
          static constexpr const char* kStages[] = {"warm-up", "writer alone", "enforcing",
                                                    "enforced", "writer alone again"};
          const double seconds = absl::ToDoubleSeconds(absl::Now() - started);
          return absl::StrCat(
              kStages[stage.load()], "  ", writer->committed_records(), " records  ",
              FormatSignificant(seconds > 0 ? writer->committed_records() / seconds : 0),
              " rec/s overall");
        });
    absl::SleepFor(options_.warmup);
    stage = 1;
    const absl::Time before_from = absl::Now();
    absl::SleepFor(options_.window);
    const absl::Time during_from = absl::Now();
    stage = 2;
    absl::StatusOr<EnforcementTiming> timing = absl::UnknownError("enforcement did not run");
    std::thread enforcement([&] {
      timing = TimeEnforcement(*enforcer, day_ + 1, kRequestedBy);
      stage = 3;
    });
    absl::SleepFor(during_from + options_.window - absl::Now());
    enforcement.join();
    // At least the window; longer when enforcement outlasted it.
    const absl::Time during_to = std::max(absl::Now(), during_from + options_.window);
    stage = 4;
    absl::SleepFor(during_to + options_.window - absl::Now());
    const absl::Time after_to = absl::Now();
    absl::StatusOr<std::vector<WriteCall>> calls = writer->Stop();
    progress.Finish();
    RETURN_IF_ERROR(calls.status());
    RETURN_IF_ERROR(WithContext(timing.status(), "enforcement during the writer's window"));
    result.timing = *std::move(timing);
    // Measured all the same: what the writer saw while enforcement tried.
    if (absl::Status expired = CheckExpired(result.fill, result.timing); !expired.ok()) {
      result.incomplete = std::string(expired.message());
      Note(absl::StrCat("  worker ", of, ": ", result.incomplete));
    }
    result.before = SummarizeWindow(*calls, before_from, during_from);
    result.during = SummarizeWindow(*calls, during_from, during_to);
    result.after = SummarizeWindow(*calls, during_to, after_to);
    result.without = CombineWindows(result.before, result.after);
    result.while_enforcing = SummarizeWindow(*calls, result.timing.started,
                                             result.timing.started + result.timing.elapsed);
    Note(absl::StrCat(
        "  worker ", of, ": alone ", FormatSignificant(result.without.records_per_s),
        " rec/s (before ", FormatSignificant(result.before.records_per_s), ", after ",
        FormatSignificant(result.after.records_per_s), "), during enforcement ",
        FormatSignificant(result.during.records_per_s), " rec/s (ratio ",
        absl::StrFormat("%.2f", result.ratio()), "); enforcement took ",
        FormatSignificant(absl::ToDoubleSeconds(result.timing.elapsed)), " s, the longest call ",
        FormatSignificant(absl::ToDoubleMilliseconds(result.during.longest_call)), " ms (alone ",
        FormatSignificant(absl::ToDoubleMilliseconds(result.without.longest_call)), " ms)"));
    results_.Write(WorkerRunRecordOf(run, result));
    return result;
  }

  // The data goes: every worker table emptied.
  absl::Status Cleanup() {
    if (db_ == nullptr) return absl::OkStatus();
    return WithContext(TruncateWorkerTables(), "truncate the worker's tables after the run");
  }

  bench::ResultsFile& results() { return results_; }

 private:
  absl::Status CheckDisk() const {
    if (options_.disk_check_dir.empty()) return absl::OkStatus();
    std::error_code error;
    const std::filesystem::space_info space =
        std::filesystem::space(options_.disk_check_dir, error);
    if (error) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot read the free space of ", options_.disk_check_dir, ": ", error.message()));
    }
    const int64_t needed = DiskBytesNeeded(options_);
    if (static_cast<int64_t>(space.available) < needed) {
      return absl::ResourceExhaustedError(absl::StrFormat(
          "%s has %.1f GB free; the run needs about %.1f GB (the largest expired day and the "
          "write-ahead log, plus the writer's rows); lower --sizes or --worker_expired",
          options_.disk_check_dir, static_cast<double>(space.available) / kGiB,
          static_cast<double>(needed) / kGiB));
    }
    return absl::OkStatus();
  }

  // The day filled with `bytes` (whole sessions), then settled.
  absl::StatusOr<FilledDay> Fill(int64_t bytes, const std::string& title) {
    const FillPlan plan = PlanFill(options_, bytes);
    std::atomic<int64_t> done{0};
    const absl::Time started = absl::Now();
    bench::PhaseProgress progress(
        stderr, title,
        [&done, &plan] {
          return static_cast<double>(done.load()) / static_cast<double>(plan.data_bytes());
        },
        [&done, &plan, started] {
          const double seconds = absl::ToDoubleSeconds(absl::Now() - started);
          return absl::StrCat(
              FormatSignificant(ToMb(done.load())), "/", FormatSignificant(ToMb(plan.data_bytes())),
              " MB  ", FormatSignificant(seconds > 0 ? ToMb(done.load()) / seconds : 0), " MB/s");
        });
    absl::StatusOr<FilledDay> filled = FillExpiredDay(
        *db_, day_, plan, options_.project_id, absl::StrCat("expired-", ++fills_, "-"), done);
    progress.Finish();
    if (!filled.ok()) return WithContext(filled.status(), absl::StrCat(title, " failed"));
    Note(absl::StrCat("  ", title, ": ", plan.sessions, " sessions, ", plan.rows(), " payloads, ",
                      FormatSignificant(ToMb(plan.data_bytes())), " MB of data in ",
                      FormatSignificant(absl::ToDoubleSeconds(filled->elapsed)), " s; ",
                      FormatSignificant(ToMb(filled->table_bytes)),
                      " MB on disk; checkpoint and vacuum analyze of sessions"));
    RETURN_IF_ERROR(WithContext(Settle(*db_), "settle after the fill"));
    if (!options_.warm_page_cache) {
      ASSIGN_OR_RETURN(Evicted evicted, WithContext(EvictDayFromPageCache(*db_, day_),
                                                    "evicting the day from the page cache"));
      Note(absl::StrCat("  ", title, ": ", evicted.files, " files (",
                        FormatSignificant(ToMb(evicted.bytes)),
                        " MB) taken out of the page cache, as a day that expires is "
                        "(--warm_page_cache keeps them)"));
    }
    return filled;
  }

  // The writer's records: the Tasks a gateway makes of a pool of distinct
  // rrweb-like bodies (facts included), built once.
  absl::Status BuildTemplates() {
    if (!templates_.empty()) return absl::OkStatus();
    const bench::PayloadPool pool =
        bench::PayloadPool::Build({.message_bytes = options_.record_bytes,
                                   .pool_bytes = options_.pool_bytes,
                                   .project_id = options_.project_id});
    Note(absl::StrCat("writer: ", pool.size(), " distinct ", DataSizeLabel(options_.record_bytes),
                      " bodies"));
    for (size_t i = 0; i < pool.size(); ++i) {
      ASSIGN_OR_RETURN(v1::Task task, WithContext(DecodeTask(pool.raw_value(i)), "pool record"));
      // In stored form, as a gateway since issue 16 sends it (the worker
      // writes it untouched): the content zstd-compressed at the gateway's
      // level, with its raw size and digest.
      v1::Payload& payload = *task.mutable_payload();
      const std::string raw = payload.content().SerializeAsString();
      payload.clear_content();
      SetStoredForm(raw, /*compress=*/true, kDefaultStoredZstdLevel, &payload);
      templates_.push_back(std::move(task));
    }
    return absl::OkStatus();
  }

  absl::Status TruncateWorkerTables() {
    ASSIGN_OR_RETURN(PgResult tables,
                     db_->Query("SELECT string_agg(quote_ident(tablename), ', ') FROM pg_tables "
                                "WHERE schemaname = current_schema() "
                                "AND tablename <> 'schema_migrations'",
                                {}));
    const std::string list = PQgetvalue(tables.get(), 0, 0);
    if (list.empty()) return absl::OkStatus();
    return db_->Exec(absl::StrCat("TRUNCATE ", list));
  }

  const RetentionBenchOptions& options_;
  bench::ResultsFile results_;
  std::unique_ptr<PgConnection> db_;
  absl::CivilDay day_;  // the day every fill expires on (yesterday)
  int fills_ = 0;
  std::vector<v1::Task> templates_;
};

}  // namespace

int RunRetentionBench(const RetentionBenchOptions& options) {
  Bench bench(options);
  if (absl::Status status = bench.Setup(); !status.ok()) {
    Note(absl::StrCat("error: ", status.ToString()));
    return 1;
  }
  // The result lines are printed together at the end (stderr has each as it
  // is measured).
  std::vector<std::string> lines;
  const auto fail = [&bench, &lines](const absl::Status& status) {
    if (absl::Status cleaned = bench.Cleanup(); !cleaned.ok()) Note(cleaned.ToString());
    bench::ExitAfterError(status, lines);
  };
  std::vector<SizeResult> sizes;
  for (const int64_t size : options.sizes) {
    absl::StatusOr<SizeResult> result = bench.MeasureSize(size);
    if (!result.ok()) fail(result.status());
    sizes.push_back(*std::move(result));
    lines.push_back(FormatSizeLine(sizes.back()));
    Note(lines.back());
  }
  if (std::optional<std::string> ratio = FormatEnforceRatioLine(sizes); ratio.has_value()) {
    lines.push_back(*ratio);
    Note(lines.back());
  }
  std::vector<WorkerRun> runs;
  int incomplete = 0;
  std::string first_incomplete;
  for (int run = 1; run <= options.runs; ++run) {
    absl::StatusOr<WorkerRun> result = bench.MeasureWorker(run);
    if (!result.ok()) fail(result.status());
    if (!result->incomplete.empty() && incomplete++ == 0) first_incomplete = result->incomplete;
    runs.push_back(*std::move(result));
  }
  if (!runs.empty()) {
    bench.results().Write(WorkerRecordOf(runs, options));
    lines.push_back(FormatWorkerLine(runs, options));
    Note(lines.back());
  }
  const std::vector<TargetCheck> checks = EvaluateTargets(sizes, runs, options);
  for (const TargetCheck& check : checks) bench.results().Write(bench::ToTargetRecord(check));
  lines.push_back(bench::FormatTargetsLine("retention", checks));
  if (absl::Status cleaned = bench.Cleanup(); !cleaned.ok()) fail(cleaned);
  // The enforcer reports a day it could not drop and leaves it to the next
  // run (retention_enforcer.h): a missed target (expired_beside_writer),
  // said once more here, not a failure of the benchmark.
  if (incomplete > 0) {
    Note(absl::StrCat("warning: in ", incomplete, " of ", runs.size(), " worker runs, ",
                      first_incomplete));
  }
  for (const std::string& line : lines) bench::Print(line);
  return 0;
}

}  // namespace ingest::bench_retention
