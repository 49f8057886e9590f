#include "bench/worker/worker_bench.h"

#include <sys/statvfs.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "services/common/codec/task_codec.h"
#include "services/common/crypto/sha256.h"
#include "services/common/kafka/rdkafka_producer.h"
#include "services/common/kafka/topic_admin.h"
#include "services/common/pg/connection.h"
#include "services/common/pg/migrations.h"
#include "services/common/status/status_macros.h"
#include "services/worker/store/pg_binary.h"
#include "services/worker/store/stored_payload.h"
#include "bench/common/console.h"
#include "bench/common/cpu.h"
#include "bench/common/json_line.h"
#include "bench/common/payload_pool.h"
#include "bench/common/progress.h"
#include "bench/common/report.h"
#include "bench/common/results_file.h"
#include "bench/common/run_spread.h"
#include "bench/common/size_label.h"
#include "bench/worker/copy_rows.h"
#include "bench/worker/records.h"
#include "bench/worker/report.h"
#include "bench/worker/worker_process.h"

namespace ingest::bench_worker {
namespace {

using ::ingest::bench::ExitAfterError;
using ::ingest::bench::FormatSignificant;
using ::ingest::bench::JsonLine;
using ::ingest::bench::Note;
using ::ingest::bench::PayloadPool;
using ::ingest::bench::PhaseProgress;
using ::ingest::bench::Print;
using ::ingest::bench::ResultsFile;
using ::ingest::bench::SizeLabel;

constexpr char kCopyTable[] = "bench_copy_payloads";
constexpr absl::Duration kConnectTimeout = absl::Seconds(10);
constexpr absl::Duration kMigrationLockTimeout = absl::Seconds(5);
constexpr absl::Duration kTopicTimeout = absl::Seconds(60);
constexpr absl::Duration kQueueFullPause = absl::Milliseconds(2);
constexpr int kDlqPartitions = 8;
constexpr absl::Duration kMinCpuWindow = absl::Seconds(1);
constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

absl::Status Annotate(const absl::Status& status, absl::string_view what) {
  return absl::Status(status.code(), absl::StrCat(what, ": ", status.message()));
}

// "1234/5000 records  1520 msg/s": the rate since the previous call. Called
// from one progress thread only.
std::function<std::string()> CountDetail(const std::atomic<int64_t>& done, int64_t total,
                                         absl::string_view unit) {
  struct Last {
    absl::Time at = absl::Now();
    int64_t done = 0;
  };
  auto last = std::make_shared<Last>();
  return [&done, total, unit = std::string(unit), last] {
    const absl::Time now = absl::Now();
    const int64_t value = done.load();
    const double rate = Rate(value - last->done, now - last->at);
    *last = {now, value};
    return absl::StrCat(value, "/", total, " ", unit, "  ", FormatSignificant(rate), " msg/s");
  };
}

std::function<double()> Fraction(const std::atomic<int64_t>& done, int64_t total) {
  return [&done, total] {
    return total > 0 ? static_cast<double>(done.load()) / static_cast<double>(total) : 1.0;
  };
}

// What a phase produced: where each record went.
struct Produced {
  std::vector<RecordPosition> positions;
  int64_t value_bytes = 0;
  absl::Time received_at;
};

class Bench {
 public:
  explicit Bench(const WorkerBenchOptions& options)
      : options_(options),
        run_id_(absl::FormatTime("%Y%m%dt%H%M%S", absl::Now(), absl::UTCTimeZone())) {}

  absl::Status Setup() {
    RETURN_IF_ERROR(results_.Open(options_.results_jsonl));
    const std::vector<Phase> phases = PlanPhases(options_);
    std::vector<std::string> plan;
    for (const Phase& phase : phases) {
      plan.push_back(absl::StrCat(SizeLabel(phase.size_bytes), "x",
                                  RecordsFor(options_, phase.size_bytes), "@", phase.partitions,
                                  "p", phase.raw_copy ? "+copy" : ""));
    }
    Note(absl::StrFormat("kafka %s; phases %s; %d sessions%s", options_.kafka_bootstrap,
                         absl::StrJoin(plan, " "), options_.sessions,
                         options_.quick ? "; QUICK" : ""));
    results_.Write(JsonLine()
                       .Add("kind", "run")
                       .Add("started_at", absl::FormatTime(absl::RFC3339_sec, absl::Now(),
                                                           absl::UTCTimeZone()))
                       .Add("quick", options_.quick)
                       .Add("phases", absl::StrJoin(plan, " "))
                       .Add("sessions", options_.sessions)
                       .Add("copy_batch_records", options_.copy_batch_records)
                       .Add("copy_batch_bytes", options_.copy_batch_bytes)
                       .Add("cpus", static_cast<int64_t>(std::thread::hardware_concurrency()))
                       .Add("worker", absl::StrJoin(options_.worker_command, " "))
                       .Build());

    RETURN_IF_ERROR(CheckDisk());

    absl::StatusOr<std::unique_ptr<PgConnection>> db =
        PgConnection::Connect(options_.pg_dsn, kConnectTimeout);
    if (!db.ok()) return Annotate(db.status(), "PostgreSQL");
    db_ = *std::move(db);
    if (absl::Status status = ApplyMigrations(*db_, kMigrationLockTimeout); !status.ok()) {
      return Annotate(status, "schema migrations");
    }
    ASSIGN_OR_RETURN(CopyLayout layout, ReadLayout());
    layout_ = std::move(layout);
    if (absl::Status status = db_->Exec(absl::StrCat(
            "SET client_min_messages = warning; DROP TABLE IF EXISTS ", kCopyTable, "; CREATE TABLE ", kCopyTable,
            " (LIKE session_payloads INCLUDING ALL)"));
        !status.ok()) {
      return Annotate(status, "create the raw COPY table");
    }

    // The gateway's producer (acks=all, idempotence, no compression: the
    // payloads are compressed already, in their stored form), but patient: a
    // pre-fill waits for its acknowledgements however long the broker takes
    // (768 partitions of small batches can stall a one-node broker past the
    // gateway's 10 s), and lingers longer for fuller batches.
    ProducerOptions producer;
    producer.bootstrap_servers = options_.kafka_bootstrap;
    producer.client_id = "worker-bench";
    producer.delivery_timeout = options_.produce_timeout;
    producer.linger = absl::Milliseconds(20);
    producer.compression = "none";
    absl::StatusOr<std::unique_ptr<Producer>> created = CreateRdKafkaProducer(producer);
    if (!created.ok()) return Annotate(created.status(), "producer");
    producer_ = *std::move(created);
    return absl::OkStatus();
  }

  absl::StatusOr<PhaseResult> Run(const Phase& phase) {
    const std::string label = SizeLabel(phase.size_bytes);
    const int64_t records = RecordsFor(options_, phase.size_bytes);
    PhaseResult result;
    result.phase = phase;
    result.topic = absl::StrCat("bench.worker.", run_id_, ".", absl::AsciiStrToLower(label), ".p",
                                phase.partitions);
    const PayloadPool& pool = Pool(phase.size_bytes);

    if (absl::Status status = CreateTopics(result.topic, phase.partitions); !status.ok()) {
      return status;
    }
    ASSIGN_OR_RETURN(Produced produced, Produce(result.topic, records, pool, label));
    result.record_bytes = produced.value_bytes / records;

    std::vector<int64_t> body_bytes;  // each distinct body's raw content size
    for (size_t i = 0; i < pool.size(); ++i) {
      body_bytes.push_back(static_cast<int64_t>(pool.content(i).ByteSizeLong()));
    }
    int64_t content_total = 0;  // raw content bytes of the phase's records
    for (int64_t i = 0; i < records; ++i) {
      content_total += body_bytes[static_cast<size_t>(i) % body_bytes.size()];
    }
    result.content_bytes = content_total / records;
    const double content_per_record =
        static_cast<double>(content_total) / static_cast<double>(records);
    if (phase.partitions == options_.base_partitions) {
      base_topics_[phase.size_bytes] = {result.topic, records, content_per_record};
    }
    // The partition phase pairs each of its runs with a run of the base
    // phase's topic of the same size (kept in Kafka), drained again.
    const auto base = base_topics_.find(phase.size_bytes);
    const bool with_base = !phase.raw_copy && phase.partitions != options_.base_partitions &&
                           base != base_topics_.end();

    // Interleaved: worker, COPY (or base), worker, COPY, ...
    std::vector<CopyThroughput> copies;
    std::vector<double> worker_rates;
    for (int run = 1; run <= options_.runs; ++run) {
      const std::string of =
          options_.runs > 1 ? absl::StrCat(" (run ", run, "/", options_.runs, ")") : "";
      ASSIGN_OR_RETURN(WorkerThroughput worker,
                       MeasureWorker(result.topic, records, content_per_record,
                                     absl::StrCat(label, of), phase.partitions));
      NoteWorker(absl::StrCat(label, of), phase.partitions, worker);
      result.worker_runs.push_back(worker);
      worker_rates.push_back(worker.msgs_per_s);

      if (phase.raw_copy) {
        ASSIGN_OR_RETURN(CopyThroughput copy, MeasureCopy(produced, records, pool, label));
        Note(absl::StrFormat(
            "  %s raw COPY%s: %s msg/s (%d rows in %s, %d per transaction; %s "
            "MB of %s data)",
            label, of, FormatSignificant(copy.msgs_per_s), copy.rows,
            absl::FormatDuration(copy.elapsed), copy.batch_rows,
            FormatSignificant(static_cast<double>(copy.data_bytes) / (1 << 20)), copy.storage));
        copies.push_back(copy);
        result.copy_runs_msgs_per_s.push_back(copy.msgs_per_s);
      } else if (with_base) {
        const BaseTopic& base_topic = base->second;
        absl::StatusOr<WorkerThroughput> again =
            MeasureWorker(base_topic.topic, base_topic.records, base_topic.content_per_record,
                          absl::StrCat(label, of, " again"), options_.base_partitions);
        if (!again.ok()) return again.status();
        NoteWorker(absl::StrCat(label, of, " again"), options_.base_partitions, *again);
        result.base_runs_msgs_per_s.push_back(again->msgs_per_s);
      }
    }
    result.worker = result.worker_runs[static_cast<size_t>(bench::MedianIndex(worker_rates))];
    if (!copies.empty()) {
      result.copy = copies[static_cast<size_t>(bench::MedianIndex(result.copy_runs_msgs_per_s))];
    }
    results_.Write(PhaseResultJson(result));
    return result;
  }

  ResultsFile& results() { return results_; }

 private:
  // A base-partition phase's topic, kept for the partition phase's pairs.
  struct BaseTopic {
    std::string topic;
    int64_t records = 0;
    double content_per_record = 0;
  };

  void NoteWorker(const std::string& label, int partitions, const WorkerThroughput& worker) {
    const double cpu_s_per_gib = CpuSecondsPerGib(worker);
    const std::string cpu =
        cpu_s_per_gib < 0 ? "" : absl::StrCat("; ", FormatSignificant(cpu_s_per_gib),
                                              " worker CPU-s per GiB persisted");
    if (worker.includes_startup) {
      Note(absl::StrFormat(
          "  %s @%dp worker: %s msg/s (all %d records committed by the first reading, %s after "
          "the start: start-up included%s)",
          label, partitions, FormatSignificant(worker.msgs_per_s), worker.records,
          absl::FormatDuration(worker.startup), cpu));
    } else {
      Note(absl::StrFormat(
          "  %s @%dp worker: %s msg/s (%d records in %s after %d already committed at the first "
          "reading, %s after the start; cores: worker %.2f, kafka %.2f%s)",
          label, partitions, FormatSignificant(worker.msgs_per_s),
          worker.records - worker.first_seen, absl::FormatDuration(worker.window),
          worker.first_seen, absl::FormatDuration(worker.startup), worker.worker_cpu_cores,
          worker.kafka_cpu_cores, cpu));
    }
  }

  absl::Status CheckDisk() const {
    if (options_.disk_check_dir.empty()) return absl::OkStatus();
    struct statvfs stats;
    if (statvfs(options_.disk_check_dir.c_str(), &stats) != 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot read the free space of ", options_.disk_check_dir));
    }
    const double free_bytes = static_cast<double>(stats.f_bavail) * stats.f_frsize;
    const double needed = static_cast<double>(DiskBytesNeeded(options_)) + kGiB;
    if (free_bytes < needed) {
      return absl::ResourceExhaustedError(absl::StrFormat(
          "%s has %.1f GB free; the run needs about %.1f GB (Kafka keeps every phase's "
          "records, PostgreSQL the largest phase twice); lower --phase_bytes",
          options_.disk_check_dir, free_bytes / kGiB, needed / kGiB));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<CopyLayout> ReadLayout() {
    absl::StatusOr<PgResult> columns = db_->Query(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = 'session_payloads'",
        {});
    if (!columns.ok()) return Annotate(columns.status(), "read session_payloads' columns");
    std::map<std::string, std::string> types;
    for (int row = 0; row < PQntuples(columns->get()); ++row) {
      types[PQgetvalue(columns->get(), row, 0)] = PQgetvalue(columns->get(), row, 1);
    }
    return CopyLayout::ForColumns(types);
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

  absl::Status CreateTopics(const std::string& topic, int partitions) {
    for (const auto& [name, count] :
         {std::pair{topic, partitions}, std::pair{topic + ".dlq", kDlqPartitions}}) {
      TopicSpec spec{name,
                     count,
                     1,
                     {{"cleanup.policy", "delete"},
                      {"min.insync.replicas", "1"},
                      {"max.message.bytes", std::to_string(16 << 20)}}};
      if (absl::Status status = EnsureTopic(options_.kafka_bootstrap, spec, kTopicTimeout);
          !status.ok()) {
        return Annotate(status, absl::StrCat("create topic ", name));
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<Produced> Produce(const std::string& topic, int64_t records,
                                   const PayloadPool& pool, const std::string& label) {
    Produced produced;
    produced.positions.resize(static_cast<size_t>(records));
    produced.received_at = absl::Now();
    std::atomic<int64_t> acked{0};
    absl::Mutex mu;
    absl::Status failure;  // guarded by mu
    std::vector<std::string> sessions;
    for (int i = 0; i < options_.sessions; ++i) {
      sessions.push_back(SessionIdOf(options_.project_id, i));
    }

    PhaseProgress progress(stderr, absl::StrCat(label, " produce ", records, " records"),
                           Fraction(acked, records), CountDetail(acked, records, "acked"));
    const absl::Time deadline = absl::Now() + options_.produce_timeout;
    for (int64_t i = 0; i < records; ++i) {
      const RecordId id = RecordIdOf(i, options_.sessions);
      std::string value = EncodeTask(PushPayloadTask(options_.project_id,
                                                     sessions[id.session_index], id.payload_id,
                                                     pool.content(static_cast<uint64_t>(i)),
                                                     produced.received_at));
      produced.value_bytes += static_cast<int64_t>(value.size());
      for (;;) {
        // Produce takes the strings; keep copies for a retry after QUEUE_FULL.
        absl::Status status = producer_->Produce(
            topic, sessions[id.session_index], value,
            [&, i](absl::StatusOr<RecordPosition> delivered) {
              if (delivered.ok()) {
                produced.positions[static_cast<size_t>(i)] = *delivered;
                acked.fetch_add(1);
                return;
              }
              absl::MutexLock lock(&mu);
              if (failure.ok()) failure = delivered.status();
            });
        if (status.ok()) break;
        if (!absl::IsResourceExhausted(status)) {
          progress.Finish();
          (void)producer_->Flush(options_.produce_timeout);
          return Annotate(status, absl::StrCat("produce to ", topic));
        }
        if (absl::Now() > deadline) break;
        absl::SleepFor(kQueueFullPause);
      }
      if (absl::Now() > deadline) break;
    }
    const absl::Duration left = std::max(deadline - absl::Now(), absl::Seconds(1));
    const absl::Status flushed = producer_->Flush(left);
    progress.Finish();
    {
      absl::MutexLock lock(&mu);
      if (!failure.ok()) return Annotate(failure, absl::StrCat("produce to ", topic));
    }
    if (!flushed.ok() || acked.load() != records) {
      return absl::DeadlineExceededError(absl::StrCat(
          "Kafka acknowledged ", acked.load(), " of ", records, " records within ",
          absl::FormatDuration(options_.produce_timeout), " (see kafka.log next to the worker's)"));
    }
    return produced;
  }

  absl::Status TruncateWorkerTables() {
    absl::StatusOr<PgResult> tables = db_->Query(
        "SELECT string_agg(quote_ident(tablename), ', ') FROM pg_tables "
        "WHERE schemaname = current_schema() AND tablename NOT IN ('schema_migrations', $1)",
        {PgParam::Text(kCopyTable)});
    if (!tables.ok()) return Annotate(tables.status(), "list the worker's tables");
    const std::string list = PQgetvalue(tables->get(), 0, 0);
    if (list.empty()) return absl::OkStatus();
    return db_->Exec(absl::StrCat("TRUNCATE ", list));
  }

  absl::StatusOr<int64_t> QueryCount(const std::string& sql, const std::vector<PgParam>& params) {
    ASSIGN_OR_RETURN(PgResult result, db_->Query(sql, params));
    return std::strtoll(PQgetvalue(result.get(), 0, 0), nullptr, 10);
  }

  std::string WorkerLogHint() const {
    return options_.worker_log.empty() ? "" : absl::StrCat("; see ", options_.worker_log);
  }

  // Drains `topic` (`records` records, `content_per_record` raw content
  // bytes each on average) with a fresh worker, from the beginning: the
  // worker's tables are truncated first, so it holds no offsets.
  absl::StatusOr<WorkerThroughput> MeasureWorker(const std::string& topic, int64_t records,
                                                 double content_per_record,
                                                 const std::string& label, int partitions) {
    if (absl::Status status = TruncateWorkerTables(); !status.ok()) {
      return Annotate(status, "truncate the worker's tables");
    }
    std::vector<std::string> argv = options_.worker_command;
    argv.push_back(absl::StrCat("--topic=", topic));
    const int drain = ++drains_[topic];
    argv.push_back(absl::StrCat("--group_id=bench-", topic, drain > 1 ? absl::StrCat("-r", drain)
                                                                     : std::string()));
    if (!options_.worker_log.empty()) {
      std::ofstream(options_.worker_log, std::ios::app)
          << "----- worker_bench: " << absl::StrJoin(argv, " ") << "\n";
    }

    WorkerThroughput result;
    result.records = records;
    std::atomic<int64_t> done{0};
    const absl::Time started = absl::Now();
    absl::StatusOr<std::unique_ptr<WorkerProcess>> worker =
        WorkerProcess::Start(argv, options_.worker_log, options_.worker_pidfile);
    if (!worker.ok()) return Annotate(worker.status(), "start the worker");

    PhaseProgress progress(stderr, absl::StrCat(label, " worker @", partitions, " partitions"),
                           Fraction(done, records), CountDetail(done, records, "persisted"));
    const std::string sum_sql =
        "SELECT coalesce(sum(next_offset), 0) FROM consumer_offsets WHERE topic = $1";
    std::optional<absl::Time> first_at;
    absl::Time progress_at = started;
    absl::StatusOr<absl::Duration> cpu_start = absl::UnknownError("not read");
    absl::StatusOr<absl::Duration> kafka_start = absl::UnknownError("not read");
    for (;;) {
      absl::SleepFor(options_.poll_interval);
      if (!(*worker)->Running()) {
        progress.Finish();
        return absl::AbortedError(absl::StrCat("the worker ", (*worker)->exit_text(),
                                               " during the phase", WorkerLogHint()));
      }
      absl::StatusOr<int64_t> count = QueryCount(sum_sql, {PgParam::Text(topic)});
      const absl::Time now = absl::Now();
      if (!count.ok()) {
        progress.Finish();
        return Annotate(count.status(), "read consumer_offsets");
      }
      if (*count > done.load()) {
        done.store(*count);
        progress_at = now;
      }
      if (*count > 0 && !first_at.has_value()) {
        first_at = now;
        result.first_seen = *count;
        result.startup = now - started;
        cpu_start = bench::ReadProcessCpu((*worker)->pid());
        if (options_.kafka_pid > 0) kafka_start = bench::ReadProcessCpu(options_.kafka_pid);
      }
      if (*count >= records) {
        result.window = now - *first_at;
        const absl::StatusOr<absl::Duration> cpu_end = bench::ReadProcessCpu((*worker)->pid());
        result.worker_cpu_cores = bench::CoresUsed(cpu_start, cpu_end, result.window);
        // CPU time counts in clock ticks (10 ms): a window under a second
        // (tiny --quick phases) or none at all (everything committed by the
        // first reading) is measured from the worker's start instead, over
        // every record, start-up included.
        result.cpu_from_start = result.first_seen >= records || result.window < kMinCpuWindow;
        if (result.cpu_from_start) {
          if (cpu_end.ok()) result.worker_cpu_s = absl::ToDoubleSeconds(*cpu_end);
        } else if (cpu_start.ok() && cpu_end.ok()) {
          result.worker_cpu_s = absl::ToDoubleSeconds(*cpu_end - *cpu_start);
        }
        if (options_.kafka_pid > 0) {
          result.kafka_cpu_cores = bench::CoresUsed(
              kafka_start, bench::ReadProcessCpu(options_.kafka_pid), result.window);
        }
        break;
      }
      if (!first_at.has_value() && now - started > options_.first_row_timeout) {
        progress.Finish();
        return absl::DeadlineExceededError(
            absl::StrCat("the worker persisted nothing within ",
                         absl::FormatDuration(options_.first_row_timeout), WorkerLogHint()));
      }
      if (first_at.has_value() && now - progress_at > options_.stall_timeout) {
        progress.Finish();
        return absl::DeadlineExceededError(absl::StrCat(
            "the worker stalled at ", done.load(), " of ", records, " records for ",
            absl::FormatDuration(options_.stall_timeout), WorkerLogHint()));
      }
    }
    progress.Finish();
    if (absl::Status status = (*worker)->Stop(options_.worker_stop_timeout); !status.ok()) {
      Note(absl::StrCat("warning: ", status.message(), WorkerLogHint()));
    }

    if (result.first_seen >= records) {
      result.includes_startup = true;
      result.msgs_per_s = Rate(records, result.startup);
    } else {
      result.msgs_per_s = Rate(records - result.first_seen, result.window);
    }
    result.persisted_bytes = std::llround(
        static_cast<double>(result.cpu_from_start ? records : records - result.first_seen) *
        content_per_record);
    absl::StatusOr<int64_t> rows = QueryCount("SELECT count(*) FROM session_payloads", {});
    if (!rows.ok()) return Annotate(rows.status(), "count session_payloads");
    if (*rows != records) {
      return absl::DataLossError(absl::StrCat(
          "the worker committed offsets past ", records, " records but session_payloads holds ",
          *rows, " rows (dead-lettered or replayed records?)", WorkerLogHint()));
    }
    return result;
  }

  absl::StatusOr<CopyThroughput> MeasureCopy(const Produced& produced, int64_t records,
                                             const PayloadPool& pool, const std::string& label) {
    // Outside the timed window: each distinct body as the worker stores it.
    struct Stored {
      int64_t raw_size;
      std::string data;
      std::string sha256;
    };
    std::vector<Stored> stored;
    stored.reserve(pool.size());
    for (size_t i = 0; i < pool.size(); ++i) {
      const std::string serialized = pool.content(i).SerializeAsString();
      stored.push_back({static_cast<int64_t>(serialized.size()),
                        layout_.storage() == StorageEncoding::kZstd
                            ? EncodeStoredData(serialized)
                            : serialized,
                        Sha256(serialized)});
    }
    std::vector<std::string> sessions;
    for (int i = 0; i < options_.sessions; ++i) {
      sessions.push_back(SessionIdOf(options_.project_id, i));
    }
    if (absl::Status status = db_->Exec(absl::StrCat("TRUNCATE ", kCopyTable)); !status.ok()) {
      return Annotate(status, "truncate the raw COPY table");
    }

    CopyThroughput result;
    result.rows = records;
    result.storage = std::string(StorageName(layout_.storage()));
    result.batch_rows = CopyBatchRows(options_, produced.value_bytes / records);
    const std::string copy_sql = layout_.CopySql(kCopyTable);
    std::atomic<int64_t> done{0};
    PhaseProgress progress(stderr, absl::StrCat(label, " raw COPY, one client"),
                           Fraction(done, records), CountDetail(done, records, "rows"));
    const absl::Time start = absl::Now();
    for (int64_t first = 0; first < records; first += result.batch_rows) {
      const int64_t end = std::min<int64_t>(records, first + result.batch_rows);
      BinaryCopyWriter buffer;
      for (int64_t i = first; i < end; ++i) {
        const RecordId id = RecordIdOf(i, options_.sessions);
        const Stored& body = stored[static_cast<size_t>(i) % stored.size()];
        const RecordPosition& position = produced.positions[static_cast<size_t>(i)];
        layout_.AppendRow({.session_id = sessions[id.session_index],
                           .payload_id = static_cast<int64_t>(id.payload_id),
                           .chunk_index = 0,
                           .content_encoding = v1::CONTENT_ENCODING_IDENTITY,
                           .raw_size = body.raw_size,
                           .data = body.data,
                           .data_sha256 = body.sha256,
                           .is_beacon = false,
                           .received_at = produced.received_at,
                           .kafka_partition = position.partition,
                           .kafka_offset = position.offset},
                          buffer);
        result.data_bytes += static_cast<int64_t>(body.data.size());
      }
      absl::Status status = db_->Exec("BEGIN");
      if (status.ok()) status = db_->CopyIn(copy_sql, buffer.Finish());
      if (status.ok()) status = db_->Exec("COMMIT");
      if (!status.ok()) {
        progress.Finish();
        if (db_->IsHealthy()) (void)db_->Exec("ROLLBACK");
        return Annotate(status, "raw COPY");
      }
      ++result.batches;
      done.store(end);
    }
    result.elapsed = absl::Now() - start;
    progress.Finish();
    result.msgs_per_s = Rate(records, result.elapsed);
    return result;
  }

  const WorkerBenchOptions& options_;
  const std::string run_id_;
  ResultsFile results_;
  std::unique_ptr<PgConnection> db_;
  CopyLayout layout_;
  std::map<int64_t, std::unique_ptr<PayloadPool>> pools_;
  std::map<int64_t, BaseTopic> base_topics_;  // by size
  std::map<std::string, int> drains_;         // worker starts per topic
  std::unique_ptr<Producer> producer_;
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
    // Delivery callbacks of an unfinished produce may still reference the
    // phase, so this does not unwind (the worker, if any, was stopped already).
    if (!result.ok()) ExitAfterError(result.status(), lines);
    results.push_back(*result);
    if (phase.raw_copy) {
      lines.push_back(FormatSizeLine(*result));
      Note(lines.back());
    }
  }
  if (const std::optional<bench::RunSpread> ratio = PartitionsSpread(results, options);
      ratio.has_value()) {
    bench.results().Write(
        PartitionsJson(options.many_partitions, options.base_partitions,
                       options.partitions_size_bytes, *ratio));
    lines.push_back(FormatPartitionsLine(options.many_partitions, options.base_partitions, *ratio));
    Note(lines.back());
  }
  const std::vector<TargetCheck> checks = EvaluateTargets(results, options);
  for (const TargetCheck& check : checks) bench.results().Write(bench::TargetJson(check));
  lines.push_back(FormatWorkerTargetsLine(checks));
  for (const std::string& line : lines) Print(line);
  return 0;
}

}  // namespace ingest::bench_worker
