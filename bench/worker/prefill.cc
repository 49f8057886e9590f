#include "bench/worker/prefill.h"

#include <atomic>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/common/size_label.h"
#include "bench/worker/records.h"
#include "bench/worker/report.h"
#include "services/common/codec/task_codec.h"
#include "services/common/kafka/topic_admin.h"
#include "services/common/status/status_context.h"
#include "services/common/status/status_macros.h"

namespace ingest::bench_worker {
namespace {

constexpr absl::Duration kTopicTimeout = absl::Seconds(60);
constexpr absl::Duration kQueueFullPause = absl::Milliseconds(2);
constexpr int kDlqPartitions = 8;

absl::Status CreateTopics(const std::string& bootstrap, const std::string& topic, int partitions) {
  for (const auto& [name, count] :
       {std::pair{topic, partitions}, std::pair{topic + ".dlq", kDlqPartitions}}) {
    const TopicSpec spec{name,
                         count,
                         1,
                         {{"cleanup.policy", "delete"},
                          {"min.insync.replicas", "1"},
                          {"max.message.bytes", std::to_string(16 << 20)}}};
    RETURN_IF_ERROR(WithContext(EnsureTopic(bootstrap, spec, kTopicTimeout),
                                absl::StrCat("create topic ", name)));
  }
  return absl::OkStatus();
}

// What the delivery callbacks fill in. Shared with them: after a failure
// some may still be pending when FillTopic has returned.
struct Deliveries {
  explicit Deliveries(int64_t records) : positions(static_cast<size_t>(records)) {}

  std::vector<RecordPosition> positions;  // each written by its record's callback only
  std::atomic<int64_t> acked{0};
  absl::Mutex mu;
  absl::Status failure ABSL_GUARDED_BY(mu);
};

DeliveryCallback Deliver(std::shared_ptr<Deliveries> deliveries, int64_t i) {
  return [deliveries = std::move(deliveries), i](absl::StatusOr<RecordPosition> delivered) {
    if (delivered.ok()) {
      deliveries->positions[static_cast<size_t>(i)] = *delivered;
      deliveries->acked.fetch_add(1);
      return;
    }
    absl::MutexLock lock(&deliveries->mu);
    if (deliveries->failure.ok()) deliveries->failure = delivered.status();
  };
}

}  // namespace

absl::StatusOr<Prefill> FillTopic(Producer& producer, const WorkerBenchOptions& options,
                                  const std::string& topic, const Phase& phase,
                                  const bench::PayloadPool& pool) {
  RETURN_IF_ERROR(CreateTopics(options.kafka_bootstrap, topic, phase.partitions));
  const int64_t records = RecordsFor(options, phase.size_bytes);
  Prefill prefill;
  prefill.received_at = absl::Now();
  for (int i = 0; i < options.sessions; ++i) {
    prefill.sessions.push_back(SessionIdOf(options.project_id, i));
  }
  auto deliveries = std::make_shared<Deliveries>(records);
  bench::PhaseProgress progress = CountProgress(
      absl::StrCat(bench::SizeLabel(phase.size_bytes), " produce ", records, " records"),
      deliveries->acked, records, "acked");
  const std::string context = absl::StrCat("produce to ", topic);
  const absl::Time deadline = absl::Now() + options.produce_timeout;
  for (int64_t i = 0; i < records && absl::Now() <= deadline; ++i) {
    const RecordId id = RecordIdOf(i, options.sessions);
    const std::string& session = prefill.sessions[static_cast<size_t>(id.session_index)];
    const v1::Task task =
        PushPayloadTask(options.project_id, session, id.payload_id,
                        pool.content(static_cast<uint64_t>(i)), prefill.received_at);
    if (static_cast<size_t>(i) < pool.size()) prefill.bodies.push_back(task.payload());
    prefill.content_bytes += static_cast<int64_t>(task.payload().raw_size());
    const std::string value = EncodeTask(task);
    prefill.value_bytes += static_cast<int64_t>(value.size());
    // Produce takes the strings: each attempt gets copies, for a retry after
    // QUEUE_FULL.
    for (;;) {
      const absl::Status status = producer.Produce(topic, session, value, Deliver(deliveries, i));
      if (status.ok() || (absl::IsResourceExhausted(status) && absl::Now() > deadline)) break;
      if (!absl::IsResourceExhausted(status)) {
        (void)producer.Flush(options.produce_timeout);
        return WithContext(status, context);
      }
      absl::SleepFor(kQueueFullPause);
    }
  }
  const absl::Status flushed = producer.Flush(std::max(deadline - absl::Now(), absl::Seconds(1)));
  progress.Finish();
  {
    absl::MutexLock lock(&deliveries->mu);
    RETURN_IF_ERROR(WithContext(deliveries->failure, context));
  }
  if (!flushed.ok() || deliveries->acked.load() != records) {
    return absl::DeadlineExceededError(absl::StrCat(
        "Kafka acknowledged ", deliveries->acked.load(), " of ", records, " records within ",
        absl::FormatDuration(options.produce_timeout), " (see kafka.log next to the worker's)"));
  }
  prefill.positions = std::move(deliveries->positions);
  return prefill;
}

}  // namespace ingest::bench_worker
