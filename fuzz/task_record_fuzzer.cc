// Kafka records of ingest.tasks as the worker consumes them: the value is
// whatever a producer wrote (DecodeTask is the worker's gate, task_codec.h),
// and so are the key and the headers. The records go through a real
// PartitionLoop (one partition, batches of one record, a writer that keeps
// each batch and reports it committed), which classifies each one: stored,
// invalid_record or quarantined_session (partition_loop.h).
//
// Input: one byte of setup (bit 0: session "s" starts quarantined, its
// quarantine row naming redrive "r1"), then up to 16 records, each a byte
// of choices (bits 0-1: the key: the task's own, "s", "project/fuzz" or
// empty; bit 2: first-position headers, their values length-prefixed after
// the value; bits 3-4: redrive.id none, "r1" or "r2"; bit 5: redrive.last
// "1"; bit 6: redrive.scanned_through, its value length-prefixed), then the
// value, length-prefixed (16-bit little-endian).
//
// Checks: nothing crashes; a value DecodeTask refuses goes to the DLQ as
// invalid_record with its key and bytes unchanged, and quarantines the
// session its key names; a decoded task of a quarantined session follows
// it to the DLQ (quarantined_session) unless a redrive its row names
// releases it; any other decoded task is stored exactly as decoded; the
// first position comes from the headers when they name one; a decoded task
// survives encode and decode unchanged (unknown fields included).

#include <cstdint>
#include <cstdlib>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "fuzz/fuzz_input.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/stubs/logging.h"
#include "prometheus/registry.h"
#include "services/common/codec/task_codec.h"
#include "services/common/kafka/consumer.h"
#include "services/common/kafka/first_position.h"
#include "services/common/kafka/redrive_headers.h"
#include "services/common/logging/log.h"
#include "services/worker/batch_writer.h"
#include "services/worker/partition_loop.h"
#include "services/worker/store/task_store.h"
#include "services/worker/worker_metrics.h"

namespace ingest {
namespace {

constexpr char kQuarantined[] = "s";
constexpr char kRowRedrive[] = "r1";
constexpr int kMaxRecords = 16;

void Require(bool condition) {
  if (!condition) std::abort();
}

// Equal field by field, unknown fields included; NaN equals the same NaN
// (MessageDifferencer would call a task with a NaN metric unequal to
// itself): compares deterministic serializations, maps in key order.
std::string Canonical(const v1::Task& task) {
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  Require(task.SerializeToCodedStream(&coded));
  coded.Trim();
  return bytes;
}

bool Same(const v1::Task& a, const v1::Task& b) { return Canonical(a) == Canonical(b); }

// One partition's records, handed out in order.
class QueueConsumer final : public Consumer {
 public:
  explicit QueueConsumer(std::deque<ConsumedRecord> records) : records_(std::move(records)) {}
  absl::Status Subscribe(RebalanceListener*) override { return absl::OkStatus(); }
  std::optional<ConsumedRecord> Poll(absl::Duration) override {
    if (records_.empty()) return std::nullopt;
    ConsumedRecord record = std::move(records_.front());
    records_.pop_front();
    return record;
  }
  void Pause(int32_t) override {}
  void Resume(int32_t) override {}
  void CommitAsync(const PartitionOffsets&) override {}
  void Close() override {}
  absl::Status Health() const override { return absl::OkStatus(); }
  std::optional<int64_t> HighWatermark(int32_t) override { return std::nullopt; }

 private:
  std::deque<ConsumedRecord> records_;
};

// The database as the loop sees it on assignment: no stored offsets, and
// maybe session "s" quarantined with a row naming redrive "r1".
class ControlStore final : public TaskStore {
 public:
  explicit ControlStore(bool quarantined) : quarantined_(quarantined) {}
  absl::StatusOr<PartitionOffsets> LoadNextOffsets(const std::string&,
                                                   const std::vector<int32_t>&) override {
    return PartitionOffsets();
  }
  absl::StatusOr<QuarantinedSessions> LoadQuarantinedSessions(
      const std::string&, const std::vector<int32_t>&) override {
    if (!quarantined_) return QuarantinedSessions();
    return QuarantinedSessions{kQuarantined};
  }
  absl::StatusOr<std::optional<QuarantineRow>> LoadQuarantine(
      const std::string&, const std::string& session_id) override {
    if (!quarantined_ || session_id != kQuarantined) return std::optional<QuarantineRow>();
    return std::optional<QuarantineRow>(QuarantineRow{kRowRedrive, -1});
  }
  absl::StatusOr<PersistOutcome> PersistBatches(const std::string&,
                                                absl::Span<const PartitionBatch>,
                                                const DeadLetterSink&) override {
    std::abort();  // the loop writes through the BatchWriter only
  }
  absl::Status Ping() override { return absl::OkStatus(); }
  absl::StatusOr<int64_t> ExpireStreamChunks(absl::Duration, int) override { return 0; }
  absl::StatusOr<PartitionsEnsured> EnsureDayPartitions(int, int) override {
    return PartitionsEnsured();
  }
  absl::StatusOr<LiveSessions> ReadLiveSessions() override { return LiveSessions(); }

 private:
  const bool quarantined_;
};

// Keeps every record the loop submits; every batch commits.
class KeepingWriter final : public BatchWriter {
 public:
  void Submit(PartitionBatch batch) override {
    for (const TaskRecord& record : batch.records) records.push_back(record);
    results_.push_back({std::move(batch), absl::OkStatus(), {}});
  }
  std::vector<BatchResult> TakeResults(absl::Duration) override {
    return std::exchange(results_, {});
  }
  std::vector<TaskRecord> records;

 private:
  std::vector<BatchResult> results_;
};

WorkerMetrics& Metrics() {
  static prometheus::Registry* const registry = new prometheus::Registry();
  static WorkerMetrics* const metrics = new WorkerMetrics(*registry);
  return *metrics;
}

// The loop's view of a record's redrive headers.
struct Redrive {
  std::string id;
  bool last = false;
};

void CheckRoundTrip(const v1::Task& task) {
  const absl::StatusOr<v1::Task> again = DecodeTask(EncodeTask(task));
  Require(again.ok() && Same(*again, task));
}

}  // namespace
}  // namespace ingest

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // The loop logs every poison record; only errors are worth a line here.
  ingest::log::Init("fuzz", ingest::log::Format::kText, ingest::log::Level::kError);
  // Nor protobuf's complaint about every string field of invalid UTF-8.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ingest;
  fuzz::FuzzInput input(data, size);
  const bool starts_quarantined = (input.Byte() & 1) != 0;

  std::deque<ConsumedRecord> records;
  std::vector<Redrive> redrives;
  const absl::Time now = absl::FromUnixSeconds(1'700'000'000);
  while (!input.empty() && static_cast<int>(records.size()) < kMaxRecords) {
    const uint8_t choices = input.Byte();
    ConsumedRecord record;
    record.partition = 0;
    record.offset = static_cast<int64_t>(records.size());
    record.value = std::string(input.LengthPrefixed());
    record.timestamp = now;
    const absl::StatusOr<v1::Task> task = DecodeTask(record.value);
    switch (choices & 3) {
      case 0:
        record.key = task.ok() ? KafkaKeyOf(*task) : kQuarantined;
        break;
      case 1:
        record.key = kQuarantined;
        break;
      case 2:
        record.key = "project/fuzz";
        break;
      case 3:
        break;
    }
    if (choices & 4) {
      record.headers.emplace_back(first_position_headers::kPartition,
                                  std::string(input.LengthPrefixed()));
      record.headers.emplace_back(first_position_headers::kOffset,
                                  std::string(input.LengthPrefixed()));
    }
    Redrive redrive;
    if (((choices >> 3) & 3) == 1) redrive.id = kRowRedrive;
    if (((choices >> 3) & 3) == 2) redrive.id = "r2";
    if (!redrive.id.empty()) record.headers.emplace_back(redrive_headers::kRedriveId, redrive.id);
    if (choices & 32) {
      record.headers.emplace_back(redrive_headers::kLast, "1");
      redrive.last = true;
    }
    if (choices & 64) {
      record.headers.emplace_back(redrive_headers::kScannedThrough,
                                  std::string(input.LengthPrefixed()));
    }
    records.push_back(std::move(record));
    redrives.push_back(std::move(redrive));
  }
  const std::deque<ConsumedRecord> consumed = records;

  PartitionLoopOptions options;
  options.max_batch_records = 1;
  options.max_records_per_step = 1;
  options.now = [now] { return now; };
  options.sleep = [](absl::Duration) {};
  QueueConsumer consumer(std::move(records));
  ControlStore store(starts_quarantined);
  KeepingWriter writer;
  PartitionLoop loop(options, consumer, store, writer, Metrics());
  loop.OnPartitionsAssigned({0});
  for (size_t step = 0; step < 4 * consumed.size() + 4 && writer.records.size() < consumed.size();
       ++step) {
    loop.RunOnce();
  }
  Require(writer.records.size() == consumed.size());

  // What the loop must have made of each record, in offset order.
  std::set<std::string> quarantined;
  if (starts_quarantined) quarantined.insert(kQuarantined);
  for (size_t i = 0; i < consumed.size(); ++i) {
    const ConsumedRecord& record = consumed[i];
    const TaskRecord& out = writer.records[i];
    Require(out.offset == record.offset);
    Require(out.value_bytes == static_cast<int64_t>(record.value.size()));
    const FirstPosition here{record.partition, record.offset};
    const FirstPosition first = FirstPositionOf(record.headers, here);
    Require(first.known());
    Require(out.first.partition == first.partition && out.first.offset == first.offset);
    if (out.dead_letter.has_value()) {
      const DeadLetter& letter = *out.dead_letter;
      Require(letter.partition == record.partition && letter.offset == record.offset);
      Require(letter.key == record.key && letter.value == record.value);
      Require(letter.first.partition == first.partition && letter.first.offset == first.offset);
    }

    const absl::StatusOr<v1::Task> task = DecodeTask(record.value);
    if (!task.ok()) {
      Require(task.status().code() == absl::StatusCode::kInvalidArgument);
      Require(out.dead_letter.has_value());
      const DeadLetter& letter = *out.dead_letter;
      Require(letter.reason == DeadLetterReason::kInvalidRecord);
      const std::string session = SessionIdOfKey(record.key);
      Require(letter.session_id == session && letter.project_id.empty());
      const bool newly = !session.empty() && quarantined.insert(session).second;
      if (newly) Require(letter.quarantines_session);
      if (session.empty()) Require(!letter.quarantines_session);
      continue;
    }
    CheckRoundTrip(*task);
    const std::string& session = task->session_id();
    const bool held = !session.empty() && quarantined.count(session) > 0;
    if (!held) {
      Require(!out.dead_letter.has_value() && Same(out.task, *task));
      Require(!out.lifts_quarantine);
      continue;
    }
    // A quarantined session: only a redrive its row names may release it.
    const bool named =
        starts_quarantined && session == kQuarantined && redrives[i].id == kRowRedrive;
    if (out.dead_letter.has_value()) {
      Require(out.dead_letter->reason == DeadLetterReason::kQuarantinedSession);
      Require(out.dead_letter->session_id == session);
      Require(out.dead_letter->project_id == task->project_id());
      Require(!out.dead_letter->quarantines_session);
      Require(out.task.type() == task->type() && out.task.session_id() == session);
    } else {
      Require(named && Same(out.task, *task));
      if (out.lifts_quarantine) {
        Require(redrives[i].last);
        quarantined.erase(session);
      }
    }
  }
  return 0;
}
