#include "bench/worker/worker_bench.h"

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/common/console.h"
#include "bench/common/payload_pool.h"
#include "bench/common/report.h"
#include "bench/common/results_file.h"
#include "bench/common/size_label.h"
#include "bench/worker/prefill.h"
#include "bench/worker/raw_copy.h"
#include "bench/worker/report.h"
#include "bench/worker/worker_drain.h"
#include "services/common/kafka/rdkafka_producer.h"
#include "services/common/pg/connection.h"
#include "services/common/pg/migrations.h"
#include "services/common/status/status_context.h"
#include "services/common/status/status_macros.h"

namespace ingest::bench_worker {
namespace {

using ::ingest::bench::FormatSignificant;
using ::ingest::bench::Note;
using ::ingest::bench::PayloadPool;
using ::ingest::bench::SizeLabel;

constexpr absl::Duration kConnectTimeout = absl::Seconds(10);
constexpr absl::Duration kMigrationLockTimeout = absl::Seconds(5);
constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

// Everything the phases share: the database, the producer, the bodies of
// each size, the base phases' topics. Main thread only.
class Bench {
 public:
  explicit Bench(const WorkerBenchOptions& options)
      : options_(options),
        run_id_(absl::FormatTime("%Y%m%dt%H%M%S", absl::Now(), absl::UTCTimeZone())) {}

  // Reaches PostgreSQL and brings its schema current, creates the raw COPY
  // table and the producer, checks the free disk space.
  absl::Status Setup() {
    RETURN_IF_ERROR(results_.Open(options_.results_jsonl));
    Note(absl::StrFormat("kafka %s; phases %s; %d sessions%s", options_.kafka_bootstrap,
                         PlanText(options_), options_.sessions, options_.quick ? "; QUICK" : ""));
    results_.Write(RunRecordOf(options_, absl::Now()));
    RETURN_IF_ERROR(CheckDisk());

    ASSIGN_OR_RETURN(
        db_, WithContext(PgConnection::Connect(options_.pg_dsn, kConnectTimeout), "PostgreSQL"));
    RETURN_IF_ERROR(WithContext(ApplyMigrations(*db_, kMigrationLockTimeout), "schema migrations"));
    RETURN_IF_ERROR(WithContext(
        db_->Exec(absl::StrCat("SET client_min_messages = warning; DROP TABLE IF EXISTS ",
                               kCopyTable, "; CREATE TABLE ", kCopyTable,
                               " (LIKE session_payloads INCLUDING ALL)")),
        "create the raw COPY table"));

    // The gateway's producer (acks=all, idempotence, no compression: the
    // payloads are compressed already, in their stored form), but patient: a
    // pre-fill waits for its acknowledgements however long the broker takes
    // (768 partitions of small batches can stall a one-node broker past the
    // gateway's 10 s), and lingers longer for fuller batches.
    ASSIGN_OR_RETURN(
        producer_, WithContext(CreateRdKafkaProducer({.bootstrap_servers = options_.kafka_bootstrap,
                                                      .client_id = "worker-bench",
                                                      .delivery_timeout = options_.produce_timeout,
                                                      .linger = absl::Milliseconds(20),
                                                      .compression = "none"}),
                               "producer"));
    return absl::OkStatus();
  }

  // A fresh topic filled, then options.runs times interleaved: the worker,
  // then the raw COPY (base partitions) or a drain of the base phase's topic
  // of the same size (the partition phase).
  absl::StatusOr<PhaseResult> Run(const Phase& phase) {
    const std::string label = SizeLabel(phase.size_bytes);
    PhaseResult result;
    result.phase = phase;
    result.topic = absl::StrCat("bench.worker.", run_id_, ".", absl::AsciiStrToLower(label), ".p",
                                phase.partitions);
    ASSIGN_OR_RETURN(const Prefill prefill,
                     FillTopic(*producer_, options_, result.topic, phase, Pool(phase.size_bytes)));
    const int64_t records = static_cast<int64_t>(prefill.positions.size());
    result.record_bytes = prefill.value_bytes / records;
    result.content_bytes = prefill.content_bytes / records;
    const Drain drain{.topic = result.topic,
                      .partitions = phase.partitions,
                      .records = records,
                      .content_per_record = static_cast<double>(prefill.content_bytes) /
                                            static_cast<double>(records)};
    if (phase.partitions == options_.base_partitions) base_drains_[phase.size_bytes] = drain;
    const auto base = base_drains_.find(phase.size_bytes);
    const bool with_base = !phase.raw_copy && phase.partitions != options_.base_partitions &&
                           base != base_drains_.end();

    for (int run = 1; run <= options_.runs; ++run) {
      const std::string of =
          options_.runs > 1 ? absl::StrCat(" (run ", run, "/", options_.runs, ")") : "";
      ASSIGN_OR_RETURN(WorkerThroughput worker, MeasureWorker(drain, absl::StrCat(label, of)));
      result.worker_runs.push_back(worker);
      if (phase.raw_copy) {
        ASSIGN_OR_RETURN(CopyThroughput copy, MeasureRawCopy(options_, *db_, prefill, label));
        Note(absl::StrFormat(
            "  %s raw COPY%s: %s msg/s (%d rows in %s, %d per transaction; %s MB of %s data)",
            label, of, FormatSignificant(copy.msgs_per_s), copy.rows,
            absl::FormatDuration(copy.elapsed), copy.batch_rows,
            FormatSignificant(static_cast<double>(copy.data_bytes) / (1 << 20)), copy.storage));
        result.copy_runs.push_back(copy);
      } else if (with_base) {
        ASSIGN_OR_RETURN(WorkerThroughput again,
                         MeasureWorker(base->second, absl::StrCat(label, of, " again")));
        result.base_runs_msgs_per_s.push_back(again.msgs_per_s);
      }
    }
    results_.Write(PhaseRecordOf(result));
    return result;
  }

  bench::ResultsFile& results() { return results_; }

 private:
  absl::Status CheckDisk() const {
    if (options_.disk_check_dir.empty()) return absl::OkStatus();
    std::error_code error;
    const std::filesystem::space_info space =
        std::filesystem::space(options_.disk_check_dir, error);
    if (error) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot read the free space of ", options_.disk_check_dir));
    }
    const double free_bytes = static_cast<double>(space.available);
    const double needed = static_cast<double>(DiskBytesNeeded(options_)) + kGiB;
    if (free_bytes < needed) {
      return absl::ResourceExhaustedError(absl::StrFormat(
          "%s has %.1f GB free; the run needs about %.1f GB (Kafka keeps every phase's "
          "records, PostgreSQL the largest phase twice); lower --phase_bytes",
          options_.disk_check_dir, free_bytes / kGiB, needed / kGiB));
    }
    return absl::OkStatus();
  }

  const PayloadPool& Pool(int64_t size) {
    auto it = pools_.find(size);
    if (it == pools_.end()) {
      const bench::PayloadPoolOptions pool_options{.message_bytes = size,
                                                   .pool_bytes = options_.pool_bytes,
                                                   .project_id = options_.project_id};
      Note(absl::StrCat(SizeLabel(size), ": building ", bench::PoolMessageCount(pool_options),
                        " distinct bodies"));
      it = pools_.emplace(size, std::make_unique<PayloadPool>(PayloadPool::Build(pool_options)))
               .first;
    }
    return *it->second;
  }

  // Empties the worker's tables (so it holds no offsets), then drains
  // `drain`'s topic in a consumer group of its own.
  absl::StatusOr<WorkerThroughput> MeasureWorker(Drain drain, std::string label) {
    RETURN_IF_ERROR(WithContext(TruncateWorkerTables(), "truncate the worker's tables"));
    const int count = ++drains_[drain.topic];
    drain.group_id =
        absl::StrCat("bench-", drain.topic, count > 1 ? absl::StrCat("-r", count) : "");
    drain.label = std::move(label);
    return DrainWithWorker(options_, *db_, drain);
  }

  absl::Status TruncateWorkerTables() {
    ASSIGN_OR_RETURN(PgResult tables,
                     db_->Query("SELECT string_agg(quote_ident(tablename), ', ') FROM pg_tables "
                                "WHERE schemaname = current_schema() "
                                "AND tablename NOT IN ('schema_migrations', $1)",
                                {PgParam::Text(kCopyTable)}));
    const std::string list = PQgetvalue(tables.get(), 0, 0);
    if (list.empty()) return absl::OkStatus();
    return db_->Exec(absl::StrCat("TRUNCATE ", list));
  }

  const WorkerBenchOptions& options_;
  const std::string run_id_;
  bench::ResultsFile results_;
  std::unique_ptr<PgConnection> db_;
  std::unique_ptr<Producer> producer_;
  std::map<int64_t, std::unique_ptr<PayloadPool>> pools_;
  std::map<int64_t, Drain> base_drains_;  // the base-partition phase's topic, by size
  std::map<std::string, int> drains_;     // worker starts per topic
};

}  // namespace

int RunWorkerBench(const WorkerBenchOptions& options) {
  Bench bench(options);
  if (absl::Status status = bench.Setup(); !status.ok()) {
    Note(absl::StrCat("error: ", status.ToString()));
    return 1;
  }
  // The result lines are printed together at the end (stderr has each as it
  // is measured): one per size, then partitions, then targets.
  std::vector<std::string> lines;
  std::vector<PhaseResult> results;
  for (const Phase& phase : PlanPhases(options)) {
    absl::StatusOr<PhaseResult> result = bench.Run(phase);
    // Exits without unwinding: a failed pre-fill may leave deliveries pending
    // in the producer (the worker, if any, was stopped already).
    if (!result.ok()) bench::ExitAfterError(result.status(), lines);
    results.push_back(*result);
    if (phase.raw_copy) {
      lines.push_back(FormatSizeLine(*result));
      Note(lines.back());
    }
  }
  if (const std::optional<bench::RunSpread> ratio = PartitionsSpread(results, options);
      ratio.has_value()) {
    bench.results().Write(PartitionsRecordOf(options, *ratio));
    lines.push_back(FormatPartitionsLine(options.many_partitions, options.base_partitions, *ratio));
    Note(lines.back());
  }
  const std::vector<TargetCheck> checks = EvaluateTargets(results, options);
  for (const TargetCheck& check : checks) bench.results().Write(bench::ToTargetRecord(check));
  lines.push_back(bench::FormatTargetsLine("worker", checks));
  for (const std::string& line : lines) bench::Print(line);
  return 0;
}

}  // namespace ingest::bench_worker
