// The real worker binary (//services/worker:worker) against the mock_kafka
// process and a fresh PostgreSQL database ($PG_DSN): the failure cases of
// issue 4 with real crashes, real locks and real rebalances.
//
//  1. SIGKILL between the database commit and the Kafka commit, then a worker
//     in a new consumer group (no Kafka offsets at all): nothing twice; and
//     the same with SIGKILL at an arbitrary point of a paced load.
//  2. session_payloads locked for ~4 s: retries, no loss, no restart.
//  3. A poison record: DLQ + quarantine, its session follows, others flow.
//  4. Two workers rebalancing under load, one SIGTERMed: each record once,
//     each session in order.
//  5. Session lifecycle (issue 18): a backlog completes no session before its
//     last payload; completion continues on the survivor of a rebalance.
//
// The test produces ingest.v1.Task records itself (the gateway's producer)
// and reads rows with libpq. Waits are condition polls with a deadline; on
// failure the workers' log tails are printed.

#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "ingest/v1/task.pb.h"
#include "services/common/codec/task_codec.h"
#include "services/common/kafka/dead_letter_headers.h"
#include "services/common/kafka/topic_reader.h"
#include "services/common/pg/connection.h"
#include "services/common/pg/testing/test_database.h"
#include "services/worker/store/pg_binary.h"
#include "services/worker/store/stored_payload.h"
#include "tests/testing/child_process.h"
#include "tests/testing/http_get.h"
#include "tests/testing/polling.h"
#include "tests/testing/test_producer.h"

namespace ingest {
namespace {

constexpr char kTopic[] = "ingest.tasks";
constexpr char kDlqTopic[] = "ingest.tasks.dlq";
constexpr int kPartitions = 4;
constexpr char kProject[] = "worker-process-project";
constexpr absl::Duration kPollEvery = absl::Milliseconds(100);
constexpr absl::Duration kPersistTimeout = absl::Seconds(60);

// ---------------------------------------------------------------------------
// Small process and HTTP helpers.

// True while `pid` exists and is not a zombie (/proc/<pid>/stat state).
bool IsRunning(pid_t pid) {
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const size_t paren = text.rfind(')');
  return paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] != 'Z';
}

// The value of `key=` in a text log line, e.g. FieldOf(line, "health_port").
std::string FieldOf(const std::string& line, const std::string& key) {
  const std::string needle = " " + key + "=";
  const size_t at = line.find(needle);
  if (at == std::string::npos) return "";
  const size_t begin = at + needle.size();
  const size_t end = line.find(' ', begin);
  return line.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

int CountLinesWith(const std::string& path, const std::string& needle) {
  int count = 0;
  for (const std::string& line : ReadLines(path)) count += absl::StrContains(line, needle) ? 1 : 0;
  return count;
}

// The partitions a worker owns according to its log: its assignments less
// its revocations and losses, replayed in order.
std::set<int32_t> OwnedPartitions(const std::string& log_path) {
  std::set<int32_t> owned;
  for (const std::string& line : ReadLines(log_path)) {
    const bool assigned = absl::StrContains(line, "worker.partitions_assigned");
    if (!assigned && !absl::StrContains(line, "worker.partitions_revoked") &&
        !absl::StrContains(line, "worker.partitions_lost")) {
      continue;
    }
    for (absl::string_view text : absl::StrSplit(FieldOf(line, "partitions"), ',')) {
      int32_t partition = 0;
      if (!absl::SimpleAtoi(text, &partition)) continue;
      if (assigned) {
        owned.insert(partition);
      } else {
        owned.erase(partition);
      }
    }
  }
  return owned;
}

// The sum of the samples of metric `name` (Prometheus text format) whose
// labels contain `label` (e.g. `outcome="persisted"`); nullopt without any.
std::optional<double> MetricSum(const std::string& text, absl::string_view name,
                                absl::string_view label = "") {
  std::optional<double> sum;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::StartsWith(line, name) || line.size() == name.size()) continue;
    if (line[name.size()] != ' ' && line[name.size()] != '{') continue;  // another metric
    if (!label.empty() && !absl::StrContains(line, label)) continue;
    double value = 0;
    if (!absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &value)) continue;
    sum = sum.value_or(0) + value;
  }
  return sum;
}

// ---------------------------------------------------------------------------
// Records.

v1::Task PayloadTask(const std::string& session_id, uint64_t payload_id) {
  v1::Task task;
  task.set_schema_version(kTaskSchemaVersion);
  task.set_type(v1::TASK_TYPE_PUSH_PAYLOAD);
  task.set_project_id(kProject);
  task.set_session_id(session_id);
  task.set_payload_id(payload_id);
  task.set_chunk_index(0);
  task.set_chunk_count(1);
  task.set_gateway_id("worker-process-test");
  SetReceivedAt(absl::Now(), &task);
  task.mutable_payload()->set_content_encoding(v1::CONTENT_ENCODING_IDENTITY);
  task.mutable_payload()->mutable_content()->set_events(
      absl::StrCat("[{\"session\":\"", session_id, "\",\"payload\":", payload_id, "}]"));
  return task;
}

// Bytes DecodeTask refuses: field 0 with wire type 7 is not protobuf.
const std::string& GarbageBytes() {
  static constexpr char kGarbage[] = "\x07\xff garbage, not a Task \x00\x01";
  static const std::string* bytes = new std::string(kGarbage, sizeof(kGarbage) - 1);
  return *bytes;
}

// Every DLQ record so far (at least `at_least`, waiting up to `timeout`).
std::vector<TopicRecord> ReadDlq(const std::string& bootstrap, size_t at_least,
                                 absl::Duration timeout) {
  absl::StatusOr<std::vector<TopicRecord>> records =
      ReadTopicFromStart(bootstrap, kDlqTopic, {.at_least = at_least, .timeout = timeout});
  EXPECT_TRUE(records.ok()) << records.status();
  return records.ok() ? *std::move(records) : std::vector<TopicRecord>();
}

// ---------------------------------------------------------------------------
// The fixture: mock_kafka, a scratch database, a producer, and workers.

struct WorkerProcess {
  std::string name;
  std::string log_path;  // the worker's stderr (its structured log)
  std::optional<ChildProcess> process;
  int health_port = 0;
  int metrics_port = 0;
};

class WorkerProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {

    mock_log_ = LogPrefix("mock_kafka");
    auto mock = StartMockKafka(
        {absl::StrCat("--partitions=", kPartitions), absl::StrCat("--topic=", kTopic)}, mock_log_);
    ASSERT_TRUE(mock.ok()) << mock.status();
    mock_.emplace(std::move(mock->process));
    bootstrap_ = mock->address;

    auto database = TestDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = std::move(database).value();

    auto created = ConnectTestProducer(bootstrap_, "worker-process-test", kTopic);
    ASSERT_TRUE(created.ok()) << created.status();
    producer_ = std::move(created).value();
  }

  void TearDown() override {
    if (!HasFailure()) return;
    for (const auto& worker : workers_) {
      std::fprintf(stderr, "----- %s (%s), last lines -----\n%s\n", worker->name.c_str(),
                   worker->log_path.c_str(), Tail(worker->log_path, 60).c_str());
    }
    if (!mock_log_.empty()) {
      std::fprintf(stderr, "----- mock_kafka -----\n%s\n", Tail(mock_log_ + ".err", 20).c_str());
    }
  }

  // Log files go to the undeclared outputs (kept by Bazel) when there are any.
  static std::string LogPrefix(const std::string& name) {
    const char* outputs = std::getenv("TEST_UNDECLARED_OUTPUTS_DIR");
    const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    const std::string file = absl::StrCat(test, ".", name);
    return outputs != nullptr ? absl::StrCat(outputs, "/", file) : TestTempPath(file);
  }

  // Starts the worker binary in `group` and waits until /readyz says it is
  // a member of the group with PostgreSQL reachable. Later flags in
  // `extra_flags` override the defaults here.
  WorkerProcess* StartWorker(const std::string& name, const std::string& group,
                             const std::vector<std::string>& extra_flags = {}) {
    auto worker = std::make_unique<WorkerProcess>();
    worker->name = name;
    const std::string prefix = LogPrefix(name);
    worker->log_path = prefix + ".err";
    std::vector<std::string> argv = {RunfilePath("services/worker/worker"),
                                     "--kafka_bootstrap=" + bootstrap_,
                                     "--pg_dsn=" + database_->dsn(),
                                     absl::StrCat("--topic=", kTopic),
                                     "--group_id=" + group,
                                     "--metrics_address=127.0.0.1:0",
                                     "--health_address=127.0.0.1:0",
                                     "--session_timeout=6s",
                                     "--heartbeat_interval=2s",
                                     "--batch_max_delay=20ms",
                                     "--batch_max_records=50",
                                     "--shutdown_grace=10s"};
    argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
    auto child = ChildProcess::Start(argv, prefix);
    if (!child.ok()) {
      ADD_FAILURE() << child.status();
      return nullptr;
    }
    worker->process.emplace(std::move(*child));
    WorkerProcess* raw = worker.get();
    workers_.push_back(std::move(worker));

    std::optional<std::string> started =
        raw->process->WaitForOutput("worker.started", true, absl::Seconds(60));
    if (!started.has_value()) {
      ADD_FAILURE() << name << " did not start";
      return nullptr;
    }
    if (!absl::SimpleAtoi(FieldOf(*started, "health_port"), &raw->health_port) ||
        !absl::SimpleAtoi(FieldOf(*started, "metrics_port"), &raw->metrics_port)) {
      ADD_FAILURE() << "no ports in: " << *started;
      return nullptr;
    }
    const absl::Time start = absl::Now();
    if (!WaitUntil(absl::Seconds(30), [&] { return IsOk(HttpGet(raw->health_port, "/readyz")); })) {
      ADD_FAILURE() << name << " not ready after 30 s: " << HttpGet(raw->health_port, "/readyz");
      return nullptr;
    }
    std::fprintf(stderr, "[%s] ready %.1fs after worker.started\n", name.c_str(),
                 absl::ToDoubleSeconds(absl::Now() - start));
    return raw;
  }

  // Produces a payload task keyed by its session; once the broker acknowledged
  // it, it is expected in the database.
  absl::Status SendPayload(const std::string& session_id, uint64_t payload_id) {
    return SendTask(PayloadTask(session_id, payload_id));
  }

  // The same for a payload task built by the test; `on_ack` as in Send().
  absl::Status SendTask(const v1::Task& task,
                        std::function<void(RecordPosition)> on_ack = nullptr) {
    std::string stored = StoredBytesOf(task);
    return Send(task.session_id(), EncodeTask(task),
                [this, key = std::make_pair(task.session_id(), task.payload_id()),
                 stored = std::move(stored), on_ack = std::move(on_ack)](RecordPosition position)
                    ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
                      expected_[key] = stored;
                      if (on_ack) on_ack(position);
                    });
  }

  // Produces `value` under `key`; `on_ack` runs (under mu_) on acknowledgement.
  absl::Status Send(const std::string& key, std::string value,
                    std::function<void(RecordPosition)> on_ack = nullptr) {
    return producer_->Produce(
        kTopic, key, std::move(value),
        [this, on_ack = std::move(on_ack)](absl::StatusOr<RecordPosition> position) {
          absl::MutexLock lock(&mu_);
          if (!position.ok()) {
            delivery_errors_.push_back(position.status().ToString());
            return;
          }
          int64_t& high = high_watermarks_[position->partition];
          high = std::max(high, position->offset + 1);
          if (on_ack) on_ack(*position);
        });
  }

  void FlushProducer() {
    ASSERT_TRUE(producer_->Flush(absl::Seconds(30)).ok());
    absl::MutexLock lock(&mu_);
    EXPECT_TRUE(delivery_errors_.empty()) << absl::StrJoin(delivery_errors_, "\n");
  }

  size_t ExpectedCount() {
    absl::MutexLock lock(&mu_);
    return expected_.size();
  }

  int64_t Count(const std::string& sql) {
    if (db_ == nullptr) db_ = database_->Connect();
    if (db_ == nullptr) return -1;
    absl::StatusOr<PgResult> result = db_->Query(sql, {});
    if (!result.ok() || PQntuples(result->get()) != 1) return -1;
    return std::strtoll(PQgetvalue(result->get(), 0, 0), nullptr, 10);
  }

  int64_t PayloadRows() { return Count("SELECT count(*) FROM session_payloads"); }

  // A sessions row's lifecycle columns (schema_v8.sql).
  struct Lifecycle {
    std::string status;          // "" when NULL
    int64_t payload_count = -1;
    int64_t reopened_count = 0;  // NULL reads as 0 (never reopened)
    int32_t partition = -1;      // kafka_partition; -1 when NULL
    std::optional<absl::Time> last_activity_at;
    std::optional<absl::Time> completed_at;
  };

  // The lifecycle of every session whose id starts with `prefix`, by id.
  std::map<std::string, Lifecycle> Lifecycles(const std::string& prefix) {
    if (db_ == nullptr) db_ = database_->Connect();
    std::map<std::string, Lifecycle> sessions;
    if (db_ == nullptr) return sessions;
    absl::StatusOr<PgResult> result = db_->Query(
        "SELECT session_id, status, payload_count, reopened_count, kafka_partition, "
        "(extract(epoch FROM last_activity_at) * 1000000)::bigint, "
        "(extract(epoch FROM completed_at) * 1000000)::bigint "
        "FROM sessions WHERE starts_with(session_id, $1)",
        {PgParam::Text(prefix)});
    EXPECT_TRUE(result.ok()) << result.status();
    if (!result.ok()) return sessions;
    const PGresult* rows = result->get();
    const auto micros = [&](int row, int column) -> std::optional<absl::Time> {
      if (PQgetisnull(rows, row, column)) return std::nullopt;
      return absl::FromUnixMicros(std::strtoll(PQgetvalue(rows, row, column), nullptr, 10));
    };
    for (int row = 0; row < PQntuples(rows); ++row) {
      Lifecycle& session = sessions[PQgetvalue(rows, row, 0)];
      session.status = PQgetvalue(rows, row, 1);
      session.payload_count = std::strtoll(PQgetvalue(rows, row, 2), nullptr, 10);
      session.reopened_count = std::strtoll(PQgetvalue(rows, row, 3), nullptr, 10);
      if (!PQgetisnull(rows, row, 4)) session.partition = std::atoi(PQgetvalue(rows, row, 4));
      session.last_activity_at = micros(row, 5);
      session.completed_at = micros(row, 6);
    }
    return sessions;
  }

  // How many of `sessions` have status `status`.
  static int CountWithStatus(const std::map<std::string, Lifecycle>& sessions,
                             const std::string& status) {
    return static_cast<int>(std::count_if(sessions.begin(), sessions.end(), [&](const auto& s) {
      return s.second.status == status;
    }));
  }

  std::map<int32_t, int64_t> StoredOffsets() {
    if (db_ == nullptr) db_ = database_->Connect();
    std::map<int32_t, int64_t> offsets;
    if (db_ == nullptr) return offsets;
    absl::StatusOr<PgResult> result = db_->Query(
        "SELECT partition, next_offset FROM consumer_offsets WHERE topic = $1", {PgParam::Text(kTopic)});
    if (!result.ok()) return offsets;
    for (int row = 0; row < PQntuples(result->get()); ++row) {
      offsets[std::atoi(PQgetvalue(result->get(), row, 0))] =
          std::strtoll(PQgetvalue(result->get(), row, 1), nullptr, 10);
    }
    return offsets;
  }

  std::map<int32_t, int64_t> HighWatermarks() {
    absl::MutexLock lock(&mu_);
    return high_watermarks_;
  }

  // True once every partition's stored next offset is the high watermark of
  // what this test produced (nothing produced elsewhere).
  bool OffsetsAtHighWatermarks() { return StoredOffsets() == HighWatermarks(); }

  // Waits until every acknowledged record is persisted and the offsets
  // reached the high watermarks.
  bool WaitForEverythingPersisted(absl::Duration timeout) {
    const absl::Time start = absl::Now();
    const bool done = WaitUntil(timeout, [&] {
      return PayloadRows() == static_cast<int64_t>(ExpectedCount()) && OffsetsAtHighWatermarks();
    });
    std::fprintf(stderr, "persisted %lld/%zu rows in %.1fs%s\n",
                 static_cast<long long>(PayloadRows()), ExpectedCount(),
                 absl::ToDoubleSeconds(absl::Now() - start), done ? "" : " (TIMED OUT)");
    return done;
  }

  // Every expected (session, payload_id) exactly once with its bytes, each
  // session's rows persisted in payload order, session counters without
  // double counting, and consumer_offsets at the high watermarks.
  void ExpectExactlyOnceInOrder() {
    std::map<std::pair<std::string, uint64_t>, std::string> expected;
    {
      absl::MutexLock lock(&mu_);
      expected = expected_;
    }
    auto db = database_->Connect();
    ASSERT_NE(db, nullptr);
    absl::StatusOr<PgResult> rows = db->Query(
        "SELECT session_id, payload_id, chunk_index, persisted_seq, storage_encoding, raw_size, "
        "data FROM session_payloads ORDER BY session_id, payload_id, chunk_index",
        {}, PgFormat::kBinary);
    ASSERT_TRUE(rows.ok()) << rows.status();
    const int count = PQntuples(rows->get());
    EXPECT_EQ(count, static_cast<int>(expected.size()));
    std::set<std::pair<std::string, uint64_t>> seen;
    std::map<std::string, std::vector<uint64_t>> ids_by_session;
    int out_of_order = 0;
    std::string previous_session;
    int64_t previous_seq = -1;
    for (int row = 0; row < count; ++row) {
      const std::string session(BinaryValueBytes(rows->get(), row, 0));
      const auto payload_id = static_cast<uint64_t>(BinaryValueInt(rows->get(), row, 1));
      EXPECT_EQ(BinaryValueInt(rows->get(), row, 2), 0);
      const int64_t seq = BinaryValueInt(rows->get(), row, 3);
      EXPECT_TRUE(seen.insert({session, payload_id}).second) << session << " #" << payload_id;
      ids_by_session[session].push_back(payload_id);
      if (session == previous_session && seq <= previous_seq) {
        if (++out_of_order <= 5) {
          ADD_FAILURE() << session << " #" << payload_id << " persisted_seq " << seq
                        << " is not after the previous payload's " << previous_seq;
        }
      }
      previous_session = session;
      previous_seq = seq;
      auto it = expected.find({session, payload_id});
      if (it == expected.end()) {
        ADD_FAILURE() << "unexpected row " << session << " #" << payload_id;
        continue;
      }
      absl::StatusOr<std::string> data =
          DecodeStoredData(static_cast<int>(BinaryValueInt(rows->get(), row, 4)),
                           BinaryValueBytes(rows->get(), row, 6), BinaryValueInt(rows->get(), row, 5));
      ASSERT_TRUE(data.ok()) << session << " #" << payload_id << ": " << data.status();
      EXPECT_EQ(*data, it->second) << session << " #" << payload_id;
    }
    EXPECT_EQ(out_of_order, 0) << "rows persisted out of payload order";
    for (const auto& [key, bytes] : expected) {
      EXPECT_TRUE(seen.contains(key)) << "missing " << key.first << " #" << key.second;
    }

    // A replayed record must not be counted twice either.
    absl::StatusOr<PgResult> sessions = db->Query(
        "SELECT session_id, payload_count, last_payload_id, payload_id_gaps FROM sessions", {});
    ASSERT_TRUE(sessions.ok()) << sessions.status();
    std::map<std::string, std::vector<int64_t>> counters;
    for (int row = 0; row < PQntuples(sessions->get()); ++row) {
      counters[PQgetvalue(sessions->get(), row, 0)] = {
          std::strtoll(PQgetvalue(sessions->get(), row, 1), nullptr, 10),
          std::strtoll(PQgetvalue(sessions->get(), row, 2), nullptr, 10),
          std::strtoll(PQgetvalue(sessions->get(), row, 3), nullptr, 10)};
    }
    for (const auto& [session, ids] : ids_by_session) {
      const int64_t max_id = static_cast<int64_t>(*std::max_element(ids.begin(), ids.end()));
      EXPECT_EQ(counters[session], (std::vector<int64_t>{static_cast<int64_t>(ids.size()), max_id, 0}))
          << "sessions row of " << session << " (payload_count, last_payload_id, payload_id_gaps)";
    }

    EXPECT_EQ(StoredOffsets(), HighWatermarks()) << "consumer_offsets vs high watermarks";
  }

  std::string bootstrap_;
  std::string mock_log_;
  std::optional<ChildProcess> mock_;
  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<PgConnection> db_;
  std::unique_ptr<Producer> producer_;

  absl::Mutex mu_;
  std::map<std::pair<std::string, uint64_t>, std::string> expected_ ABSL_GUARDED_BY(mu_);
  std::map<int32_t, int64_t> high_watermarks_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> delivery_errors_ ABSL_GUARDED_BY(mu_);

  // Declared last: stopped (SIGKILL by ChildProcess) before anything above.
  std::vector<std::unique_ptr<WorkerProcess>> workers_;
};

std::string Session(int i) { return absl::StrCat("sess-", i); }

// ---------------------------------------------------------------------------
// 1. SIGKILL after the database commit; the next worker has no Kafka offsets.

TEST_F(WorkerProcessTest, CrashAfterDatabaseCommitThenNewGroupPersistsNothingTwice) {
  constexpr int kSessions = 4;
  constexpr int kFirst = 25;   // payloads per session before the crash
  constexpr int kSecond = 10;  // after
  WorkerProcess* a = StartWorker("worker-a", "crash-group-a");
  ASSERT_NE(a, nullptr);
  for (int id = 1; id <= kFirst; ++id) {
    for (int s = 0; s < kSessions; ++s) ASSERT_TRUE(SendPayload(Session(s), id).ok());
  }
  FlushProducer();
  ASSERT_TRUE(WaitForEverythingPersisted(kPersistTimeout));
  // Killed right after its last commit: whatever it committed to Kafka is
  // moot anyway, since the next worker is in another group.
  EXPECT_EQ(a->process->Stop(SIGKILL, absl::Seconds(10)), 128 + SIGKILL);

  WorkerProcess* b = StartWorker("worker-b", "crash-group-b");
  ASSERT_NE(b, nullptr);
  for (int id = kFirst + 1; id <= kFirst + kSecond; ++id) {
    for (int s = 0; s < kSessions; ++s) ASSERT_TRUE(SendPayload(Session(s), id).ok());
  }
  FlushProducer();
  ASSERT_TRUE(WaitForEverythingPersisted(kPersistTimeout));
  EXPECT_EQ(PayloadRows(), kSessions * (kFirst + kSecond));
  ExpectExactlyOnceInOrder();
  // B resumed at the database offsets: it processed only the new records and
  // never even saw A's again.
  const std::string metrics = HttpGet(b->metrics_port, "/metrics");
  EXPECT_EQ(MetricSum(metrics, "ingest_worker_records_total", "outcome=\"persisted\""),
            kSessions * kSecond);
  EXPECT_EQ(MetricSum(metrics, "ingest_worker_duplicate_records_total"), 0.0);
}

// 1a. What the alerts and the dashboard read: process_* and the Kafka
// clients' statistics, for the consumer and the DLQ producer alike.

TEST_F(WorkerProcessTest, MetricsCarryProcessFiguresAndKafkaClientStatistics) {
  WorkerProcess* worker =
      StartWorker("worker", "metrics-group", {"--kafka_statistics_interval=500ms"});
  ASSERT_NE(worker, nullptr);
  std::string metrics;
  const auto has_client = [&](absl::string_view client) {
    return absl::StrContains(metrics, "ingest_worker_kafka_broker_rtt_seconds{") &&
           absl::StrContains(metrics, absl::StrCat("client=\"", client));
  };
  EXPECT_TRUE(WaitUntil(absl::Seconds(20), [&] {
    metrics = HttpGet(worker->metrics_port, "/metrics");
    return has_client("ingest-worker#consumer-") && has_client("ingest-worker-dlq#producer-");
  })) << metrics;
  EXPECT_TRUE(MetricSum(metrics, "ingest_worker_kafka_retries_total").has_value()) << metrics;
  EXPECT_TRUE(MetricSum(metrics, "ingest_worker_kafka_errors_total").has_value()) << metrics;
  EXPECT_GT(MetricSum(metrics, "process_cpu_seconds_total").value_or(0), 0) << metrics;
  EXPECT_GT(MetricSum(metrics, "process_resident_memory_bytes").value_or(0), 0) << metrics;
  EXPECT_GT(MetricSum(metrics, "process_open_fds").value_or(0), 0) << metrics;
  const double started = MetricSum(metrics, "process_start_time_seconds").value_or(0);
  EXPECT_LE(started, absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch()) + 1);
  EXPECT_GT(started, absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch()) - 600);
}

// 1b. The same with the kill at an arbitrary point: SIGKILL while a paced
// load flows (batches in flight, offsets possibly not yet committed to Kafka),
// then a worker in a new consumer group finishes the job.

TEST_F(WorkerProcessTest, SigkillUnderLoadThenNewGroupPersistsEachRecordOnce) {
  constexpr int kSessions = 20;
  constexpr int kPayloads = 20;
  // A steady trickle (no gaps between rounds), so batches are under way at
  // the moment of the kill.
  constexpr absl::Duration kRecordEvery = absl::Milliseconds(15);  // ~6 s of load
  WorkerProcess* a = StartWorker("worker-a", "kill-group-a", {"--batch_max_records=10"});
  ASSERT_NE(a, nullptr);
  std::atomic<bool> producing{true};
  std::atomic<int> send_errors{0};
  std::thread load([&] {
    const absl::Time start = absl::Now();
    int sent = 0;
    for (int id = 1; id <= kPayloads; ++id) {
      for (int s = 0; s < kSessions; ++s) {
        if (!SendPayload(Session(s), static_cast<uint64_t>(id)).ok()) ++send_errors;
        absl::SleepFor(start + kRecordEvery * ++sent - absl::Now());  // pacing
      }
    }
    producing.store(false);
  });
  struct JoinOnExit {
    std::thread& thread;
    ~JoinOnExit() { thread.join(); }
  } join_load{load};

  EXPECT_TRUE(WaitUntil(absl::Seconds(30), [&] { return PayloadRows() >= 100; }))
      << "worker A is not persisting";
  EXPECT_TRUE(producing.load()) << "the load ended before the kill";
  EXPECT_EQ(a->process->Stop(SIGKILL, absl::Seconds(10)), 128 + SIGKILL);
  const int64_t at_kill = PayloadRows();

  WorkerProcess* b = StartWorker("worker-b", "kill-group-b");
  ASSERT_NE(b, nullptr);
  while (producing.load()) absl::SleepFor(kPollEvery);
  FlushProducer();
  EXPECT_EQ(send_errors.load(), 0);
  ASSERT_TRUE(WaitForEverythingPersisted(kPersistTimeout));
  std::fprintf(stderr, "rows at the kill: %lld\n", static_cast<long long>(at_kill));
  ExpectExactlyOnceInOrder();
  const std::string metrics = HttpGet(b->metrics_port, "/metrics");
  EXPECT_EQ(MetricSum(metrics, "ingest_worker_duplicate_records_total"), 0.0) << metrics;
}

// ---------------------------------------------------------------------------
// 2. session_payloads locked for ~4 s.

TEST_F(WorkerProcessTest, LockedTableIsRetriedWithoutLossAndResumesByItself) {
  WorkerProcess* worker = StartWorker("worker", "lock-group",
                                      {"--pg_lock_timeout=500ms", "--retry_max_backoff=1s"});
  ASSERT_NE(worker, nullptr);
  for (int s = 0; s < 3; ++s) ASSERT_TRUE(SendPayload(Session(s), 1).ok());
  FlushProducer();
  ASSERT_TRUE(WaitForEverythingPersisted(kPersistTimeout));
  const int64_t before_lock = PayloadRows();

  auto locker = database_->Connect();
  ASSERT_NE(locker, nullptr);
  ASSERT_TRUE(locker->Exec("BEGIN").ok());
  ASSERT_TRUE(locker->Exec("LOCK TABLE session_payloads IN ACCESS EXCLUSIVE MODE").ok());
  const absl::Time locked_at = absl::Now();
  for (int id = 2; id <= 11; ++id) {
    for (int s = 0; s < 3; ++s) ASSERT_TRUE(SendPayload(Session(s), id).ok());
  }
  FlushProducer();
  EXPECT_TRUE(WaitUntil(absl::Seconds(10), [&] {
    return CountLinesWith(worker->log_path, "worker.persist_retry") > 0;
  })) << "no worker.persist_retry while the table was locked";
  // Nothing got past the lock (read on the connection that holds it).
  absl::StatusOr<PgResult> during = locker->Query("SELECT count(*) FROM session_payloads", {});
  ASSERT_TRUE(during.ok()) << during.status();
  EXPECT_EQ(std::strtoll(PQgetvalue(during->get(), 0, 0), nullptr, 10), before_lock);
  EXPECT_TRUE(IsOk(HttpGet(worker->health_port, "/livez")));
  // The fault lasts 4 s by design (this is not a wait for an outcome).
  absl::SleepFor(locked_at + absl::Seconds(4) - absl::Now());
  ASSERT_TRUE(locker->Exec("COMMIT").ok());
  const absl::Time unlocked_at = absl::Now();

  ASSERT_TRUE(WaitForEverythingPersisted(kPersistTimeout));
  std::fprintf(stderr, "caught up %.1fs after the unlock\n",
               absl::ToDoubleSeconds(absl::Now() - unlocked_at));
  EXPECT_EQ(PayloadRows(), 3 * 11);
  ExpectExactlyOnceInOrder();
  EXPECT_GT(CountLinesWith(worker->log_path, "worker.persist_recovered"), 0);
  EXPECT_TRUE(IsRunning(worker->process->pid())) << "the worker exited";
  EXPECT_EQ(CountLinesWith(worker->log_path, "worker.started"), 1);
}

// ---------------------------------------------------------------------------
// 3. A poison record.

TEST_F(WorkerProcessTest, PoisonRecordGoesToTheDlqAndQuarantinesItsSession) {
  ASSERT_FALSE(DecodeTask(GarbageBytes()).ok());
  WorkerProcess* worker = StartWorker("worker", "poison-group");
  ASSERT_NE(worker, nullptr);

  // s1 #1, garbage keyed s1, s1 #2 share s1's partition; s2 flows anyway.
  const std::string s1 = "poison-s1", s2 = "poison-s2";
  ASSERT_TRUE(SendPayload(s1, 1).ok());
  RecordPosition garbage_at, follower_at;
  ASSERT_TRUE(Send(s1, GarbageBytes(), [&](RecordPosition p) { garbage_at = p; }).ok());
  const std::string s1_second = EncodeTask(PayloadTask(s1, 2));
  ASSERT_TRUE(Send(s1, s1_second, [&](RecordPosition p) { follower_at = p; }).ok());
  for (int id = 1; id <= 3; ++id) ASSERT_TRUE(SendPayload(s2, id).ok());
  FlushProducer();
  {
    absl::MutexLock lock(&mu_);
    ASSERT_GE(garbage_at.offset, 0);
    ASSERT_EQ(follower_at.partition, garbage_at.partition);
  }

  ASSERT_TRUE(WaitForEverythingPersisted(kPersistTimeout));
  ExpectExactlyOnceInOrder();  // s1 #1 and s2 #1..#3 only
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM session_payloads WHERE session_id = '", s1,
                               "'")),
            1);
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM session_payloads WHERE session_id = '", s2,
                               "'")),
            3);

  auto db = database_->Connect();
  ASSERT_NE(db, nullptr);
  absl::StatusOr<PgResult> quarantined = db->Query(
      "SELECT topic, session_id, kafka_partition, first_offset, reason FROM quarantined_sessions",
      {});
  ASSERT_TRUE(quarantined.ok()) << quarantined.status();
  ASSERT_EQ(PQntuples(quarantined->get()), 1);
  EXPECT_STREQ(PQgetvalue(quarantined->get(), 0, 0), kTopic);
  EXPECT_EQ(PQgetvalue(quarantined->get(), 0, 1), s1);
  EXPECT_EQ(std::atoi(PQgetvalue(quarantined->get(), 0, 2)), garbage_at.partition);
  EXPECT_EQ(std::strtoll(PQgetvalue(quarantined->get(), 0, 3), nullptr, 10), garbage_at.offset);
  EXPECT_STREQ(PQgetvalue(quarantined->get(), 0, 4), "invalid_record");

  const std::vector<TopicRecord> dlq = ReadDlq(bootstrap_, 2, absl::Seconds(30));
  ASSERT_EQ(dlq.size(), 2u);
  EXPECT_EQ(dlq[0].partition, dlq[1].partition);
  EXPECT_LT(dlq[0].offset, dlq[1].offset);
  const struct {
    const char* reason;
    const std::string& value;
    const RecordPosition& source;
  } wanted[] = {{"invalid_record", GarbageBytes(), garbage_at},
                {"quarantined_session", s1_second, follower_at}};
  for (size_t i = 0; i < 2; ++i) {
    SCOPED_TRACE(absl::StrCat("DLQ record ", i));
    EXPECT_EQ(dlq[i].key, s1);
    EXPECT_EQ(dlq[i].value, wanted[i].value) << "value not byte-identical";
    auto header = [&](const char* name) { return dlq[i].Header(name); };
    EXPECT_EQ(header(dlq_headers::kReason), wanted[i].reason);
    EXPECT_EQ(header(dlq_headers::kSourceTopic), kTopic);
    EXPECT_EQ(header(dlq_headers::kSourcePartition), absl::StrCat(wanted[i].source.partition));
    EXPECT_EQ(header(dlq_headers::kSourceOffset), absl::StrCat(wanted[i].source.offset));
    EXPECT_EQ(header(dlq_headers::kSessionId), s1);
    EXPECT_NE(header(dlq_headers::kDetail), "<absent>");
  }

  // The quarantine outlives the worker: after a restart (it is reloaded from
  // the database on assignment) s1's next record still follows to the DLQ.
  EXPECT_EQ(worker->process->Stop(SIGTERM, absl::Seconds(30)), 0);
  WorkerProcess* restarted = StartWorker("worker-restarted", "poison-group");
  ASSERT_NE(restarted, nullptr);
  RecordPosition third_at;
  const std::string s1_third = EncodeTask(PayloadTask(s1, 3));
  ASSERT_TRUE(Send(s1, s1_third, [&](RecordPosition p) { third_at = p; }).ok());
  ASSERT_TRUE(SendPayload(s2, 4).ok());
  FlushProducer();
  ASSERT_TRUE(WaitForEverythingPersisted(kPersistTimeout));
  ExpectExactlyOnceInOrder();  // s2 #4 added, still nothing more of s1
  std::vector<TopicRecord> after = ReadDlq(bootstrap_, 3, absl::Seconds(30));
  ASSERT_EQ(after.size(), 3u);
  EXPECT_EQ(after[2].key, s1);
  EXPECT_EQ(after[2].value, s1_third);
  EXPECT_EQ(after[2].Header(dlq_headers::kReason), "quarantined_session");
  absl::MutexLock lock(&mu_);
  EXPECT_EQ(after[2].Header(dlq_headers::kSourceOffset), absl::StrCat(third_at.offset));
}

// ---------------------------------------------------------------------------
// 4. A second worker joins under load, then the first is SIGTERMed.

TEST_F(WorkerProcessTest, TwoWorkersRebalancingUnderLoadPersistEachRecordOnceInOrder) {
  constexpr int kSessions = 40;
  constexpr int kPayloads = 30;
  constexpr absl::Duration kRoundEvery = absl::Milliseconds(800);  // >= 24 s of load
  WorkerProcess* a = StartWorker("worker-a", "rebalance-group");
  ASSERT_NE(a, nullptr);

  std::atomic<bool> producing{true};
  std::atomic<bool> a_stopped{false};
  std::atomic<int> send_errors{0};
  std::thread load([&] {
    for (int id = 1; id <= kPayloads; ++id) {
      // The last rounds wait for A's SIGTERM (bounded), so the load still
      // runs when A stops however long B takes to get partitions.
      if (id == kPayloads - 2) WaitUntil(absl::Seconds(60), [&] { return a_stopped.load(); });
      const absl::Time round_start = absl::Now();
      for (int s = 0; s < kSessions; ++s) {
        if (!SendPayload(Session(s), static_cast<uint64_t>(id)).ok()) ++send_errors;
      }
      absl::SleepFor(round_start + kRoundEvery - absl::Now());  // pacing
    }
    producing.store(false);
  });
  struct JoinOnExit {
    std::thread& thread;
    ~JoinOnExit() { thread.join(); }
  } join_load{load};

  EXPECT_TRUE(WaitUntil(absl::Seconds(30), [&] { return PayloadRows() >= 300; }))
      << "worker A is not persisting";
  WorkerProcess* b = StartWorker("worker-b", "rebalance-group");
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(WaitUntil(absl::Seconds(30), [&] {
    return CountLinesWith(b->log_path, "worker.partitions_assigned") > 0;
  })) << "worker B got no partitions";
  EXPECT_TRUE(producing.load()) << "the load ended before A was stopped; make it longer";
  const absl::Time term_at = absl::Now();
  const std::optional<int> a_exit = a->process->Stop(SIGTERM, absl::Seconds(40));
  a_stopped.store(true);
  std::fprintf(stderr, "A exited %.1fs after SIGTERM, load still running: %d\n",
               absl::ToDoubleSeconds(absl::Now() - term_at), producing.load() ? 1 : 0);
  ASSERT_TRUE(a_exit.has_value()) << "A did not exit within 40 s of SIGTERM";
  EXPECT_EQ(*a_exit, 0);

  while (producing.load()) absl::SleepFor(kPollEvery);
  FlushProducer();
  EXPECT_EQ(send_errors.load(), 0);
  EXPECT_EQ(ExpectedCount(), static_cast<size_t>(kSessions * kPayloads));
  ASSERT_TRUE(WaitForEverythingPersisted(kPersistTimeout));
  ExpectExactlyOnceInOrder();
  EXPECT_TRUE(IsRunning(b->process->pid()));
}


// ---------------------------------------------------------------------------
// 5. Session lifecycle (issue 18): completion by the processed-time watermark.

// A worker that was stopped for a while meets a backlog whose payloads were
// received 10 minutes ago. Each session's payload 2 arrived 30 s after its
// payload 1, within --session_idle_timeout=60s, but many small batches of
// other sessions' records separate the two in the partition.
//
// A wall-clock rule would fail here: when the batch holding payload 1 is
// written, the wall clock says the session has been idle for 10 minutes, so
// it would be completed at once and then reopened by payload 2 a few batches
// later (reopened_count 1, completed twice). Against the partition's
// processed-time watermark (the newest received_at read so far, at most
// payload 1 + ~30 s before payload 2 is read) nothing is idle for 60 s until
// the worker has caught up; only then does the watermark follow its clock,
// and every session completes once, after its last payload.
TEST_F(WorkerProcessTest, BacklogAfterALongStopCompletesNoSessionBeforeItsLastPayload) {
  constexpr int kSessions = 20;
  constexpr int kFillerSessions = 40;
  constexpr int kFillerPayloads = 10;  // 400 filler records, ~100 per partition
  constexpr int kBatchRecords = 5;
  constexpr absl::Duration kIdleTimeout = absl::Seconds(60);
  constexpr absl::Duration kGap = absl::Seconds(30);  // payload 1 -> payload 2
  // Whole microseconds, as PostgreSQL keeps them.
  const absl::Time base = absl::FromUnixMicros(absl::ToUnixMicros(absl::Now() - absl::Minutes(10)));
  const auto backlog_session = [](int i) { return absl::StrCat("backlog-", i); };
  const auto payload_at = [](const std::string& session, uint64_t id, absl::Time received_at) {
    v1::Task task = PayloadTask(session, id);
    SetReceivedAt(received_at, &task);
    return task;
  };

  // No worker runs while the backlog is produced: payload 1 of each session,
  // then the filler, then payload 2 of each session.
  std::map<std::string, absl::Time> second_received_at;
  std::map<std::string, RecordPosition> first_at, second_at;
  for (int i = 0; i < kSessions; ++i) {
    const std::string session = backlog_session(i);
    const absl::Time received_at = base + absl::Milliseconds(10 * i);
    second_received_at[session] = received_at + kGap;
    ASSERT_TRUE(SendTask(payload_at(session, 1, received_at),
                         [&first_at, session](RecordPosition p) { first_at[session] = p; })
                    .ok());
  }
  for (int id = 1; id <= kFillerPayloads; ++id) {
    for (int f = 0; f < kFillerSessions; ++f) {
      const absl::Time received_at =
          base + absl::Seconds(1) + absl::Milliseconds((id - 1) * kFillerSessions + f);
      ASSERT_TRUE(
          SendTask(payload_at(absl::StrCat("filler-", f), static_cast<uint64_t>(id), received_at))
              .ok());
    }
  }
  for (int i = 0; i < kSessions; ++i) {
    const std::string session = backlog_session(i);
    ASSERT_TRUE(SendTask(payload_at(session, 2, second_received_at[session]),
                         [&second_at, session](RecordPosition p) { second_at[session] = p; })
                    .ok());
  }
  FlushProducer();
  {
    // The premise: many batches lie between each session's two payloads.
    absl::MutexLock lock(&mu_);
    ASSERT_EQ(first_at.size(), static_cast<size_t>(kSessions));
    ASSERT_EQ(second_at.size(), static_cast<size_t>(kSessions));
    for (const auto& [session, first] : first_at) {
      const RecordPosition& second = second_at.at(session);
      ASSERT_EQ(first.partition, second.partition) << session;
      EXPECT_GT(second.offset - first.offset, 10 * kBatchRecords) << session;
    }
  }

  WorkerProcess* worker = StartWorker(
      "worker", "backlog-group",
      {absl::StrCat("--session_idle_timeout=", absl::FormatDuration(kIdleTimeout)),
       absl::StrCat("--batch_max_records=", kBatchRecords)});
  ASSERT_NE(worker, nullptr);
  ASSERT_TRUE(WaitForEverythingPersisted(kPersistTimeout));
  ExpectExactlyOnceInOrder();

  // Never completed between its payloads (not even momentarily: a
  // completion would have been undone by payload 2 as a counted reopen).
  std::map<std::string, Lifecycle> sessions = Lifecycles("backlog-");
  ASSERT_EQ(sessions.size(), static_cast<size_t>(kSessions));
  for (const auto& [session, lifecycle] : sessions) {
    EXPECT_EQ(lifecycle.reopened_count, 0) << session << " was completed before payload 2";
    EXPECT_EQ(lifecycle.payload_count, 2) << session;
    EXPECT_EQ(lifecycle.last_activity_at, second_received_at.at(session)) << session;
  }

  // Caught up, the watermark follows the worker's clock (less 5 s): every
  // session is 10 minutes idle by it and completes, once.
  const absl::Time caught_up = absl::Now();
  const bool completed = WaitUntil(absl::Seconds(60), [&] {
    sessions = Lifecycles("backlog-");
    return CountWithStatus(sessions, "completed") == kSessions;
  });
  std::fprintf(stderr, "%d/%d sessions completed %.1fs after the backlog was persisted%s\n",
               CountWithStatus(sessions, "completed"), kSessions,
               absl::ToDoubleSeconds(absl::Now() - caught_up), completed ? "" : " (TIMED OUT)");
  EXPECT_TRUE(completed) << "caught up, yet not every session completed";
  for (const auto& [session, lifecycle] : sessions) {
    SCOPED_TRACE(session);
    EXPECT_EQ(lifecycle.status, "completed");
    EXPECT_EQ(lifecycle.reopened_count, 0);
    ASSERT_TRUE(lifecycle.completed_at.has_value());
    // completed_at is the watermark that completed it: past the idle timeout
    // after payload 2, and the worker's clock, not payload time.
    EXPECT_GE(*lifecycle.completed_at, second_received_at.at(session) + kIdleTimeout);
    EXPECT_GT(*lifecycle.completed_at, base + absl::Minutes(9));
  }
  // The filler sessions were never reopened either.
  EXPECT_EQ(Count("SELECT count(*) FROM sessions WHERE reopened_count > 0"), 0);
  const std::string metrics = HttpGet(worker->metrics_port, "/metrics");
  EXPECT_EQ(MetricSum(metrics, "ingest_worker_sessions_reopened_total").value_or(0), 0.0)
      << metrics;
}

// Two workers share the partitions; each session's only payload says the
// page unloaded (--session_unloaded_idle_timeout=3s). The first worker is
// stopped before any of them is idle that long: the survivor takes its
// partitions over, finds itself caught up, and its lifecycle ticks complete
// their sessions as well as its own.
TEST_F(WorkerProcessTest, CompletionContinuesAfterARebalance) {
  constexpr int kSessions = 24;
  constexpr absl::Duration kUnloadedIdleTimeout = absl::Seconds(3);
  const std::vector<std::string> flags = {
      absl::StrCat("--session_unloaded_idle_timeout=",
                   absl::FormatDuration(kUnloadedIdleTimeout)),
      "--lifecycle_tick=1s"};
  WorkerProcess* a = StartWorker("worker-a", "lifecycle-group", flags);
  ASSERT_NE(a, nullptr);
  WorkerProcess* b = StartWorker("worker-b", "lifecycle-group", flags);
  ASSERT_NE(b, nullptr);
  const auto assigned = [](WorkerProcess* worker) {
    return MetricSum(HttpGet(worker->metrics_port, "/metrics"), "ingest_worker_assigned_partitions")
        .value_or(0);
  };
  ASSERT_TRUE(WaitUntil(absl::Seconds(60), [&] {
    const double on_a = assigned(a), on_b = assigned(b);
    return on_a > 0 && on_b > 0 && on_a + on_b == kPartitions;
  })) << "the group did not share the partitions: A has " << assigned(a) << ", B has "
      << assigned(b);
  const std::set<int32_t> a_partitions = OwnedPartitions(a->log_path);
  ASSERT_FALSE(a_partitions.empty());

  const absl::Time produced_at = absl::Now();
  for (int i = 0; i < kSessions; ++i) {
    v1::Task task = PayloadTask(absl::StrCat("unloaded-", i), 1);
    SetReceivedAt(produced_at, &task);
    task.mutable_payload()->set_has_session_unloaded(true);
    ASSERT_TRUE(SendTask(task).ok());
  }
  FlushProducer();
  ASSERT_TRUE(WaitForEverythingPersisted(kPersistTimeout));
  std::map<std::string, Lifecycle> sessions = Lifecycles("unloaded-");
  ASSERT_EQ(sessions.size(), static_cast<size_t>(kSessions));
  std::set<int32_t> partitions;
  for (const auto& [session, lifecycle] : sessions) partitions.insert(lifecycle.partition);
  ASSERT_EQ(partitions.size(), static_cast<size_t>(kPartitions)) << "not every partition used";

  // A stops well within the 8 s (3 s + the caught-up margin of 5 s) after
  // which it would complete them itself; once SIGTERMed it sends no more
  // lifecycle ticks.
  const absl::Time term_at = absl::Now();
  const std::optional<int> a_exit = a->process->Stop(SIGTERM, absl::Seconds(40));
  ASSERT_TRUE(a_exit.has_value()) << "A did not exit within 40 s of SIGTERM";
  EXPECT_EQ(*a_exit, 0);
  // What is left live in A's partitions is the survivor's to complete. Were
  // it nothing (A stopped too late), the test would prove nothing.
  sessions = Lifecycles("unloaded-");
  int taken_over_live = 0;
  for (const auto& [session, lifecycle] : sessions) {
    if (a_partitions.contains(lifecycle.partition) && lifecycle.status == "live") {
      ++taken_over_live;
    }
  }
  std::fprintf(stderr,
               "A (partitions %s) SIGTERMed %.1fs after the payloads' received_at, exited "
               "%.1fs later; %d of its sessions live\n",
               absl::StrJoin(a_partitions, ",").c_str(),
               absl::ToDoubleSeconds(term_at - produced_at),
               absl::ToDoubleSeconds(absl::Now() - term_at), taken_over_live);
  ASSERT_GT(taken_over_live, 0) << "A completed its sessions before it stopped";

  const bool completed = WaitUntil(absl::Seconds(60), [&] {
    sessions = Lifecycles("unloaded-");
    return CountWithStatus(sessions, "completed") == kSessions;
  });
  std::fprintf(stderr, "%d/%d sessions completed %.1fs after A's SIGTERM%s\n",
               CountWithStatus(sessions, "completed"), kSessions,
               absl::ToDoubleSeconds(absl::Now() - term_at), completed ? "" : " (TIMED OUT)");
  EXPECT_TRUE(completed) << "the survivor did not complete every session";
  for (const auto& [session, lifecycle] : sessions) {
    SCOPED_TRACE(absl::StrCat(session, " (partition ", lifecycle.partition, ")"));
    EXPECT_EQ(lifecycle.status, "completed");
    EXPECT_EQ(lifecycle.reopened_count, 0);
    ASSERT_TRUE(lifecycle.completed_at.has_value());
    ASSERT_TRUE(lifecycle.last_activity_at.has_value());
    // By the unloaded rule (3 s), not the 30 min idle timeout.
    EXPECT_GE(*lifecycle.completed_at - *lifecycle.last_activity_at, kUnloadedIdleTimeout);
  }
  const std::string metrics = HttpGet(b->metrics_port, "/metrics");
  EXPECT_EQ(MetricSum(metrics, "ingest_worker_assigned_partitions"), kPartitions) << metrics;
  EXPECT_GE(MetricSum(metrics, "ingest_worker_sessions_completed_total").value_or(0),
            taken_over_live)
      << metrics;
  EXPECT_TRUE(IsRunning(b->process->pid()));
}

}  // namespace
}  // namespace ingest
