#include "services/worker/partition_loop.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_join.h"
#include "services/common/codec/task_codec.h"
#include "services/common/logging/log.h"
#include "services/common/retry/backoff.h"

namespace ingest {
namespace {

absl::string_view TypeName(const v1::Task& task) {
  switch (task.type()) {
    case v1::TASK_TYPE_INITIALIZE_SESSION: return "initialize_session";
    case v1::TASK_TYPE_PUSH_PAYLOAD: return "push_payload";
    case v1::TASK_TYPE_IDENTIFY_SESSION: return "identify_session";
    case v1::TASK_TYPE_ADD_SESSION_PROPERTIES: return "add_session_properties";
    case v1::TASK_TYPE_ADD_SESSION_FEEDBACK: return "add_session_feedback";
    case v1::TASK_TYPE_PUSH_BACKEND_ERRORS: return "push_backend_errors";
    case v1::TASK_TYPE_PUSH_METRICS: return "push_metrics";
    default: return "unknown";
  }
}

// Backoff before attempt `failed_attempts + 1`.
absl::Duration Backoff(const PartitionLoopOptions& options, int failed_attempts) {
  return CappedExponentialBackoff(options.initial_backoff, options.max_backoff, failed_attempts);
}

}  // namespace

PartitionLoop::PartitionLoop(PartitionLoopOptions options, Consumer& consumer, TaskStore& store,
                             WorkerMetrics& metrics)
    : options_(std::move(options)), consumer_(consumer), store_(store), metrics_(metrics) {}

void PartitionLoop::Run(const absl::Notification& stop) {
  stop_ = &stop;
  while (!stop.HasBeenNotified()) RunOnce();
  if (!Drain(options_.drain_timeout)) {
    log::Warn("worker.drain_incomplete",
              {{"detail", "unpersisted batches left; the next owner replays them from the "
                          "database offset"}});
  }
}

void PartitionLoop::RunOnce() {
  // Take what is ready (bounded), then write whatever is due.
  std::optional<ConsumedRecord> record = consumer_.Poll(options_.poll_timeout);
  for (int taken = 1; record.has_value(); ++taken) {
    Handle(std::move(*record));
    if (taken >= options_.max_records_per_step) break;
    record = consumer_.Poll(absl::ZeroDuration());
  }
  FlushDuePartitions();
}

bool PartitionLoop::Drain(absl::Duration timeout) {
  const absl::Time deadline = options_.now() + timeout;
  while (true) {
    bool pending = false;
    absl::Time next_retry = absl::InfiniteFuture();
    for (auto& [partition, state] : partitions_) {
      if (!state.HasUnpersisted()) continue;
      if (options_.now() >= state.retry_at && Flush(partition, state)) continue;
      pending = true;
      next_retry = std::min(next_retry, state.retry_at);
    }
    if (!pending) return true;
    if (next_retry >= deadline) return false;
    options_.sleep(std::max(absl::ZeroDuration(), next_retry - options_.now()));
  }
}

void PartitionLoop::Handle(ConsumedRecord record) {
  auto it = partitions_.find(record.partition);
  if (it == partitions_.end()) return;  // not ours (any more)
  PartitionState& state = it->second;
  if (record.offset < state.next_offset) return;  // re-delivered after a pause
  if (!state.HasUnpersisted()) state.batch_started = options_.now();
  state.next_offset = record.offset + 1;

  absl::StatusOr<v1::Task> task = DecodeTask(record.value);
  if (!task.ok()) {
    // TODO(issue 4): route to ingest.tasks.dlq and quarantine the session.
    log::Error("worker.undecodable_record", {{"partition", record.partition},
                                              {"offset", record.offset},
                                              {"key", record.key},
                                              {"reason", task.status().ToString()}});
    metrics_.RecordProcessed("unknown", "undecodable");
    return;
  }
  state.batch_bytes += static_cast<int64_t>(record.value.size());
  state.batch.push_back(TaskRecord{record.offset, *std::move(task)});
  if (IsDue(state, options_.now())) Flush(record.partition, state);  // full: write now
}

bool PartitionLoop::IsDue(const PartitionState& state, absl::Time now) const {
  if (!state.HasUnpersisted() || now < state.retry_at) return false;
  return state.failed_attempts > 0 ||
         static_cast<int>(state.batch.size()) >= options_.max_batch_records ||
         state.batch_bytes >= options_.max_batch_bytes ||
         now - state.batch_started >= options_.max_batch_delay;
}

void PartitionLoop::FlushDuePartitions() {
  const absl::Time now = options_.now();
  for (auto& [partition, state] : partitions_) {
    if (IsDue(state, now)) Flush(partition, state);
  }
}

bool PartitionLoop::Flush(int32_t partition, PartitionState& state) {
  const absl::Time start = options_.now();
  absl::Status status = store_.PersistBatch(options_.topic, partition, state.batch,
                                            state.next_offset);
  if (!status.ok()) {
    ++state.failed_attempts;
    const absl::Duration backoff = Backoff(options_, state.failed_attempts);
    state.retry_at = options_.now() + backoff;
    if (!state.paused) {
      consumer_.Pause(partition);
      state.paused = true;
    }
    metrics_.DatabaseRetry();
    log::Warn("worker.persist_retry", {{"partition", partition},
                                       {"records", static_cast<int64_t>(state.batch.size())},
                                       {"attempt", state.failed_attempts},
                                       {"backoff_ms", absl::ToInt64Milliseconds(backoff)},
                                       {"error", status.ToString()}});
    return false;
  }
  const absl::Time committed = options_.now();
  metrics_.BatchCommitted(static_cast<int>(state.batch.size()), state.batch_bytes,
                          committed - start);
  for (const TaskRecord& record : state.batch) {
    metrics_.RecordProcessed(TypeName(record.task), "persisted");
    metrics_.EndToEndDelay(committed - ReceivedAt(record.task));
  }
  if (state.failed_attempts > 0) {
    log::Info("worker.persist_recovered",
              {{"partition", partition}, {"after_attempts", state.failed_attempts}});
  }
  state.persisted_offset = state.next_offset;
  state.batch.clear();
  state.batch_bytes = 0;
  state.failed_attempts = 0;
  state.retry_at = absl::InfinitePast();
  if (state.paused) {
    consumer_.Resume(partition);
    state.paused = false;
  }
  consumer_.CommitAsync({{partition, state.next_offset}});
  return true;
}

PartitionOffsets PartitionLoop::OnPartitionsAssigned(const std::vector<int32_t>& partitions) {
  metrics_.Rebalance("assigned", static_cast<int>(partitions.size()));
  // The database is the source of truth for where to resume; without it we
  // cannot safely start, so wait for it (with backoff) unless stopping.
  for (int attempt = 1;; ++attempt) {
    absl::StatusOr<PartitionOffsets> stored = store_.LoadNextOffsets(options_.topic, partitions);
    if (stored.ok()) {
      for (int32_t partition : partitions) {
        PartitionState state;
        auto it = stored->find(partition);
        if (it != stored->end()) state.next_offset = state.persisted_offset = it->second;
        partitions_[partition] = std::move(state);
      }
      metrics_.SetAssignedPartitions(assigned_partitions());
      log::Info("worker.partitions_assigned", {{"partitions", absl::StrJoin(partitions, ",")},
                                               {"owned", assigned_partitions()}});
      return *stored;
    }
    const absl::Duration backoff = Backoff(options_, attempt);
    log::Warn("worker.load_offsets_retry", {{"partitions", absl::StrJoin(partitions, ",")},
                                             {"attempt", attempt},
                                             {"backoff_ms", absl::ToInt64Milliseconds(backoff)},
                                             {"error", stored.status().ToString()}});
    metrics_.DatabaseRetry();
    if (stop_ != nullptr && stop_->HasBeenNotified()) {
      // Not taking ownership: records of these partitions are ignored.
      return {};
    }
    options_.sleep(backoff);
  }
}

void PartitionLoop::OnPartitionsRevoked(const std::vector<int32_t>& partitions) {
  metrics_.Rebalance("revoked", static_cast<int>(partitions.size()));
  for (int32_t partition : partitions) {
    auto it = partitions_.find(partition);
    if (it == partitions_.end()) continue;
    if (it->second.HasUnpersisted() && !Flush(partition, it->second)) {
      log::Warn("worker.batch_abandoned_on_revoke",
                {{"partition", partition},
                 {"records", static_cast<int64_t>(it->second.batch.size())},
                 {"detail", "the next owner resumes from the database offset"}});
    }
    partitions_.erase(it);
  }
  metrics_.SetAssignedPartitions(assigned_partitions());
  log::Info("worker.partitions_revoked", {{"partitions", absl::StrJoin(partitions, ",")},
                                          {"owned", assigned_partitions()}});
}

}  // namespace ingest
