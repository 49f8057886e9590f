#pragma once

// PartitionLoop: consume -> batch per partition -> BatchWriter (one
// transaction holds rows + next offsets) -> Kafka commit for monitoring.
//
// Guarantees:
//  - each partition's records are persisted strictly in offset order: at
//    most one batch per partition is with the writer at a time;
//  - a batch is kept until its transaction commits; a failed batch is
//    resubmitted as-is after capped exponential backoff, never skipped, and
//    its partition is paused meanwhile; other partitions keep flowing;
//  - poison records (DecodeTask refuses them) go to the DLQ in their place
//    in the batch and quarantine their session: the session's later records
//    follow them to the DLQ, so a redrive replays the session whole;
//  - a quarantined session's records come back only through broker-proxy's
//    RedriveSession (headers in redrive_headers.h): they are processed when
//    their redrive id matches the quarantine row's (looked up once per
//    redrive), and storing the last one lifts the quarantine, unless a
//    record of the session followed the quarantine past what the redrive
//    carried. A redriven record that is poison again restarts the
//    quarantine there, and the redrive's rest follows it to the DLQ;
//  - memory is bounded: a partition with `backlog_batches` full batches
//    waiting is paused, and so is every partition with pending records while
//    the bytes held across partitions exceed max_held_bytes;
//  - on assignment each partition resumes at the offset stored in the
//    database; on revocation its batch is persisted or abandoned (never
//    half-written) before the partition is released; when the partition is
//    lost (the group may have given it to another member already) only the
//    transaction under way is waited for, and nothing new is written;
//  - a Kafka offset commit (for lag monitoring) is never sent while
//    partitions are being revoked or lost;
//  - each batch carries its partition's processed-time watermark (the
//    newest received_at of its records; the loop's clock less
//    caught_up_margin once the partition has nothing more to read), and a
//    caught-up partition with nothing to write still sends a record-less
//    batch every lifecycle_tick: the store completes idle sessions against
//    it (store/session_summaries.h), never against the wall clock while a
//    backlog waits.
//
// Threads: everything runs on the thread that calls Run(); the consumer
// calls the RebalanceListener methods from inside Poll() on that thread.
// joined(), last_step() are safe from any thread (health checks).

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/common/kafka/consumer.h"
#include "services/worker/batch_writer.h"
#include "services/worker/store/task_store.h"
#include "services/worker/worker_metrics.h"

namespace ingest {

struct PartitionLoopOptions {
  std::string topic = "ingest.tasks";
  // A partition's batch is submitted when it reaches either size or when its
  // oldest record has waited `max_batch_delay`.
  int max_batch_records = 500;
  int64_t max_batch_bytes = 16 << 20;
  absl::Duration max_batch_delay = absl::Milliseconds(50);
  // A partition is paused once this many full batches wait behind the one
  // being written. Pausing is not free: librdkafka drops what it prefetched
  // for the partition and fetches it again on resume.
  int backlog_batches = 4;
  // Record bytes taken from Kafka and not yet persisted, across partitions.
  int64_t max_held_bytes = int64_t{256} << 20;
  absl::Duration poll_timeout = absl::Milliseconds(100);
  // Records taken from the consumer per step before due batches are checked
  // (a step also ends after max_batch_bytes).
  int max_records_per_step = 2000;
  // Retry backoff after a failed write: doubles from initial up to max.
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(10);
  // Looking up a quarantine row when a redrive's first record arrives is
  // tried this many times (backoff as above) before the redrive is taken as
  // unconfirmed: its records then follow the quarantine to the DLQ, and the
  // operator runs it again.
  int redrive_lookup_attempts = 5;
  // How long Run() keeps trying to persist held batches after stop, and how
  // long a revocation waits for the partition's batch.
  absl::Duration drain_timeout = absl::Seconds(20);
  // How often the gauges (lag per partition, held bytes, paused partitions,
  // oldest unprocessed age) are refreshed: each walks every partition.
  absl::Duration gauge_interval = absl::Seconds(1);
  // How often a caught-up partition with nothing to write sends a
  // record-less batch so its idle sessions complete; and how far behind the
  // loop's clock its watermark then stays (records just produced may not
  // have been fetched yet).
  absl::Duration lifecycle_tick = absl::Seconds(5);
  absl::Duration caught_up_margin = absl::Seconds(5);
  // Called after a batch's transaction committed and before its offset is
  // committed to Kafka: the window a crash test aims at (--crash_after_db_commits).
  std::function<void()> before_kafka_commit;
  // Checked with the consumer's Health() at every step: a non-OK status ends
  // Run() the same way (e.g. the DLQ producer gave up). Unset: none.
  std::function<absl::Status()> dependency_health;
  // Injected for tests.
  std::function<absl::Time()> now = [] { return absl::Now(); };
  std::function<void(absl::Duration)> sleep = [](absl::Duration d) { absl::SleepFor(d); };
};

class PartitionLoop final : public RebalanceListener {
 public:
  // `consumer`, `control_store` (offsets and quarantine on assignment),
  // `writer` and `metrics` must outlive the loop.
  PartitionLoop(PartitionLoopOptions options, Consumer& consumer, TaskStore& control_store,
                BatchWriter& writer, WorkerMetrics& metrics);

  // Polls and persists until `stop` is notified, then persists what it holds
  // (within drain_timeout). The caller closes the consumer afterwards.
  // Returns the consumer's (or dependency_health's) error if that ended the
  // loop (the process must restart), OK after a stop.
  absl::Status Run(const absl::Notification& stop);

  // One poll-submit-collect step (exposed for tests).
  void RunOnce();

  // Tries to persist every held record until done or `timeout` passes.
  // Returns true when nothing is left unpersisted.
  bool Drain(absl::Duration timeout);

  PartitionOffsets OnPartitionsAssigned(const std::vector<int32_t>& partitions) override;
  void OnPartitionsRevoked(const std::vector<int32_t>& partitions) override;
  void OnPartitionsLost(const std::vector<int32_t>& partitions) override;

  int assigned_partitions() const { return static_cast<int>(partitions_.size()); }
  // True once the group gave this member an assignment (possibly empty).
  bool joined() const { return joined_.load(); }
  // When the loop last completed a step (liveness).
  absl::Time last_step() const { return absl::FromUnixNanos(last_step_ns_.load()); }

 private:
  // What the loop knows of a quarantined session beyond its being quarantined.
  struct QuarantineWatch {
    // The redrive whose records arrive ("" before any), and whether they are
    // processed: the quarantine row names it and none of them was poison
    // again.
    std::string redrive_id;
    bool redrive_releases = false;
    // The highest offset of the session that followed its quarantine to the
    // DLQ (-1: none seen).
    int64_t followed_through = -1;

    void Followed(int64_t offset) { followed_through = std::max(followed_through, offset); }
  };

  struct PartitionState {
    // The offset after the last record taken from Kafka (-1: none yet and
    // nothing stored: the partition starts at its earliest record).
    int64_t next_offset = -1;
    // The offset the database holds: everything before it is persisted.
    int64_t persisted_offset = -1;
    // Records taken and not yet submitted.
    std::vector<TaskRecord> pending;
    int64_t pending_bytes = 0;
    absl::Time pending_since = absl::InfinitePast();
    absl::Time pending_first_at = absl::InfiniteFuture();  // Kafka time of pending[0]
    // The batch with the writer, or the failed one waiting to be resubmitted.
    bool in_flight = false;
    std::optional<PartitionBatch> retry;
    int64_t batch_bytes = 0;
    absl::Time batch_first_at = absl::InfiniteFuture();
    int failed_attempts = 0;
    absl::Time retry_at = absl::InfinitePast();
    bool paused = false;
    // When the partition last sent a batch (any batch runs the lifecycle).
    absl::Time last_sent = absl::InfinitePast();
    QuarantinedSessions quarantined;
    // Quarantined sessions whose redrive or follow-ups this owner saw (since
    // it looked up their row, or took the partition).
    std::map<std::string, QuarantineWatch> watched;

    bool HasUnpersisted() const { return next_offset > persisted_offset; }
    bool HasBatch() const { return in_flight || retry.has_value(); }
    absl::Time OldestUnpersistedAt() const {
      return HasBatch() ? batch_first_at : pending_first_at;
    }
  };

  // The consumer's Health(), then dependency_health's.
  absl::Status Health() const;
  void Handle(ConsumedRecord record);
  TaskRecord Classify(ConsumedRecord record, PartitionState& state);
  // True if `record` of quarantined session `session_id` belongs to the
  // redrive its quarantine row names (and was not poison again), so it is
  // processed; marks the redrive's last record to lift the quarantine.
  bool ReleasedByRedrive(const ConsumedRecord& record, const std::string& session_id,
                         PartitionState& state, TaskRecord& out);
  // Whether the quarantine row of `session_id` names redrive `redrive_id`
  // (retried with backoff); merges the row's followed_through into `watch`.
  bool ConfirmRedrive(const std::string& session_id, const std::string& redrive_id,
                      QuarantineWatch& watch);
  // The letter of a record that follows its session's quarantine.
  DeadLetter FollowLetter(int32_t partition, int64_t offset, const v1::Task& task,
                          PartitionState& state);
  // A dead letter for a poison record (without key and value); quarantines
  // the session in `state` if this is its first poison record.
  DeadLetter PoisonLetter(int32_t partition, int64_t offset, std::string session_id,
                          std::string project_id, DeadLetterReason reason, std::string detail,
                          PartitionState& state);
  // Once a held record quarantined its session, the session's later records
  // already taken (the failed batch's rest, the pending ones) follow it to
  // the DLQ too, as records polled later do.
  void FollowQuarantine(int32_t partition, const std::string& session_id, PartitionState& state);
  bool PendingFull(const PartitionState& state) const;
  bool PendingBacklogged(const PartitionState& state) const;
  bool PendingDue(const PartitionState& state, absl::Time now) const;
  // Whether everything Kafka had for the partition (as of the consumer's
  // last fetch) was taken.
  bool CaughtUp(int32_t partition, const PartitionState& state) const;
  // The watermark of a batch of `records` taken from the partition.
  absl::Time Watermark(int32_t partition, const PartitionState& state,
                       const std::vector<TaskRecord>& records) const;
  // A record-less batch for an idle, caught-up partition (lifecycle_tick).
  void SubmitLifecycleTick(int32_t partition, PartitionState& state);
  void SubmitDue();
  // Hands the pending records (or the failed batch) to the writer.
  void SubmitPending(int32_t partition, PartitionState& state);
  void SubmitRetry(PartitionState& state);
  // Every batch goes to the writer through here.
  void Send(PartitionState& state, PartitionBatch batch);
  void CollectResults(absl::Duration wait);
  void OnResult(BatchResult result);
  void UpdatePauses();
  void UpdateGauges();
  // Writes `partition`'s held records now (revocation): waits for its batch,
  // then submits what is left, until done or `deadline`.
  bool PersistHeldNow(int32_t partition, absl::Time deadline);
  // Waits for `partition`'s batch with the writer, if any.
  void AwaitInFlight(int32_t partition);
  // Forgets `partition` and what is held for it.
  void Release(int32_t partition);
  // How long until a held batch is due (a pending batch's delay or a failed
  // batch's backoff ends); infinite when none is waiting.
  absl::Duration UntilNextDue() const;

  const PartitionLoopOptions options_;
  Consumer& consumer_;
  TaskStore& control_store_;
  BatchWriter& writer_;
  WorkerMetrics& metrics_;
  const absl::Notification* stop_ = nullptr;
  bool draining_ = false;
  bool revoking_ = false;  // inside OnPartitionsRevoked/Lost: no Kafka commits
  std::map<int32_t, PartitionState> partitions_;
  int64_t held_bytes_ = 0;
  absl::Time gauges_updated_ = absl::InfinitePast();
  int in_flight_ = 0;  // batches with the writer (one per partition at most)
  std::atomic<bool> joined_{false};
  std::atomic<int64_t> last_step_ns_{absl::ToUnixNanos(absl::Now())};
};

}  // namespace ingest
