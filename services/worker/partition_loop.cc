#include "services/worker/partition_loop.h"

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <map>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/codec/task_codec.h"
#include "services/common/kafka/first_position.h"
#include "services/common/kafka/redrive_headers.h"
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

// A letter for a decoded record, not yet holding its bytes.
DeadLetter LetterFor(int32_t partition, int64_t offset, const v1::Task& task,
                     DeadLetterReason reason, std::string detail) {
  DeadLetter letter;
  letter.partition = partition;
  letter.offset = offset;
  letter.session_id = task.session_id();
  letter.project_id = task.project_id();
  letter.reason = reason;
  letter.detail = std::move(detail);
  return letter;
}

DeadLetter QuarantinedLetter(int32_t partition, int64_t offset, const v1::Task& task) {
  return LetterFor(partition, offset, task, DeadLetterReason::kQuarantinedSession,
                   absl::StrCat("session ", task.session_id(),
                                " was quarantined by an earlier poison record; redrive the "
                                "session from the DLQ once the cause is fixed"));
}


// Sends a decoded `record` to the DLQ as `letter`: its bytes are the task
// re-encoded (the loop no longer holds the consumed bytes), and it keeps the
// record's first position.
void DeadLetterDecoded(TaskRecord& record, DeadLetter letter) {
  letter.first = record.first;
  letter.key = KafkaKeyOf(record.task);
  letter.value = EncodeTask(record.task);
  record.dead_letter = std::move(letter);
}

// Logs the 1st, 2nd, 4th, 8th... consecutive failure: an outage stays
// visible without a line per partition per retry.
bool WorthLogging(int failed_attempts) {
  return (failed_attempts & (failed_attempts - 1)) == 0;
}

}  // namespace

PartitionLoop::PartitionLoop(PartitionLoopOptions options, Consumer& consumer,
                             TaskStore& control_store, BatchWriter& writer, WorkerMetrics& metrics)
    : options_(std::move(options)),
      consumer_(consumer),
      control_store_(control_store),
      writer_(writer),
      metrics_(metrics) {}

absl::Status PartitionLoop::Run(const absl::Notification& stop) {
  stop_ = &stop;
  absl::Status health = Health();
  while (!stop.HasBeenNotified() && health.ok()) {
    RunOnce();
    health = Health();
  }
  if (!Drain(options_.drain_timeout)) {
    log::Warn("worker.drain_incomplete",
              {{"detail", "unpersisted records left; the next owner replays them from the "
                          "database offset"}});
  }
  return health;
}

absl::Status PartitionLoop::Health() const {
  absl::Status consumer = consumer_.Health();
  if (!consumer.ok() || !options_.dependency_health) return consumer;
  return options_.dependency_health();
}

void PartitionLoop::RunOnce() {
  last_step_ns_.store(absl::ToUnixNanos(options_.now()));
  const bool busy = in_flight_ > 0;
  // Never wait past the moment a held batch becomes due; while batches are
  // being written, results are what to wait for.
  const absl::Duration wait = std::min(options_.poll_timeout, UntilNextDue());
  std::optional<ConsumedRecord> record = consumer_.Poll(busy ? absl::ZeroDuration() : wait);
  int taken = 0;
  int64_t taken_bytes = 0;
  while (record.has_value()) {
    taken_bytes += static_cast<int64_t>(record->value.size());
    Handle(std::move(*record));
    // Bounded in records and bytes, so the writers are fed between steps.
    if (++taken >= options_.max_records_per_step || taken_bytes >= options_.max_batch_bytes) break;
    record = consumer_.Poll(absl::ZeroDuration());
  }
  SubmitDue();
  CollectResults(taken == 0 && busy ? std::min(wait, UntilNextDue()) : absl::ZeroDuration());
  SubmitDue();
  UpdatePauses();
  UpdateGauges();
}

bool PartitionLoop::Drain(absl::Duration timeout) {
  draining_ = true;  // every pending record is due now
  const absl::Time deadline = options_.now() + timeout;
  while (true) {
    SubmitDue();
    bool unpersisted = false;
    absl::Time next_retry = absl::InfiniteFuture();
    for (const auto& [partition, state] : partitions_) {
      if (!state.HasUnpersisted()) continue;
      unpersisted = true;
      if (state.retry.has_value()) next_retry = std::min(next_retry, state.retry_at);
    }
    if (!unpersisted) return true;
    const absl::Time now = options_.now();
    if (in_flight_ > 0) {
      // A transaction under way ends within the store's own timeouts: wait
      // for it even past the deadline, so no write outlives the owner.
      CollectResults(options_.poll_timeout);
      continue;
    }
    if (now >= deadline || next_retry >= deadline) return false;
    options_.sleep(std::max(absl::ZeroDuration(), next_retry - now));
  }
}

void PartitionLoop::Handle(ConsumedRecord record) {
  auto it = partitions_.find(record.partition);
  if (it == partitions_.end()) return;  // not ours (any more)
  PartitionState& state = it->second;
  if (record.offset < state.next_offset) return;  // re-delivered after a pause
  if (state.pending.empty()) {
    state.pending_since = options_.now();
    state.pending_first_at = record.timestamp;
  }
  state.next_offset = record.offset + 1;
  const int32_t partition = record.partition;
  TaskRecord task_record = Classify(std::move(record), state);
  state.pending_bytes += task_record.value_bytes;
  held_bytes_ += task_record.value_bytes;
  state.pending.push_back(std::move(task_record));
  if (!state.HasBatch() && PendingFull(state)) SubmitPending(partition, state);
}

TaskRecord PartitionLoop::Classify(ConsumedRecord record, PartitionState& state) {
  TaskRecord out;
  out.offset = record.offset;
  out.first = FirstPositionOf(record.headers, {record.partition, record.offset});
  out.value_bytes = static_cast<int64_t>(record.value.size());
  absl::StatusOr<v1::Task> task = DecodeTask(record.value);
  if (task.ok() &&
      (task->session_id().empty() || !state.quarantined.contains(task->session_id()) ||
       ReleasedByRedrive(record, task->session_id(), state, out))) {
    out.task = *std::move(task);
    return out;
  }
  DeadLetter letter;
  if (task.ok()) {
    letter = FollowLetter(record.partition, record.offset, *task, state);
    // What metrics and logs need; the letter carries the bytes as consumed.
    out.task.set_type(task->type());
    out.task.set_project_id(task->project_id());
    out.task.set_session_id(task->session_id());
  } else {
    letter = PoisonLetter(record.partition, record.offset, SessionIdOfKey(record.key), "",
                          DeadLetterReason::kInvalidRecord,
                          absl::StrCat("not a valid Task: ", task.status().message()), state);
    log::Warn("worker.poison_record", {{"partition", letter.partition},
                                       {"offset", letter.offset},
                                       {"session_id", letter.session_id},
                                       {"reason", task.status().ToString()}});
  }
  letter.first = out.first;
  letter.key = std::move(record.key);
  letter.value = std::move(record.value);
  out.dead_letter = std::move(letter);
  return out;
}

bool PartitionLoop::ReleasedByRedrive(const ConsumedRecord& record, const std::string& session_id,
                                      PartitionState& state, TaskRecord& out) {
  const std::string redrive_id = record.Header(redrive_headers::kRedriveId);
  if (redrive_id.empty()) return false;
  QuarantineWatch& watch = state.watched[session_id];
  if (watch.redrive_id != redrive_id) {
    watch.redrive_id = redrive_id;
    watch.redrive_releases = ConfirmRedrive(session_id, redrive_id, watch);
  }
  if (!watch.redrive_releases) return false;
  if (record.Header(redrive_headers::kLast) != "1") return true;

  // The last record: lift the quarantine unless a record of the session
  // followed it to the DLQ at or past what the redrive carried.
  int64_t scanned_through = -1;
  if (!absl::SimpleAtoi(record.Header(redrive_headers::kScannedThrough), &scanned_through)) {
    scanned_through = -1;  // unknown: nothing can be shown to be carried
  }
  const int64_t followed_through = watch.followed_through;
  if (followed_through >= scanned_through) {
    metrics_.Redrive("incomplete");
    log::Warn("worker.redrive_incomplete",
              {{"partition", record.partition},
               {"session_id", session_id},
               {"redrive_id", redrive_id},
               {"followed_through", followed_through},
               {"scanned_through", scanned_through},
               {"detail", "records of the session followed its quarantine to the DLQ after the "
                          "redrive read it; the quarantine stays: run the redrive again"}});
    return true;
  }
  out.lifts_quarantine = true;
  state.quarantined.erase(session_id);
  state.watched.erase(session_id);
  metrics_.Redrive("lifted");
  log::Info("worker.redrive_lifts_quarantine", {{"partition", record.partition},
                                                {"offset", record.offset},
                                                {"session_id", session_id},
                                                {"redrive_id", redrive_id}});
  return true;
}

bool PartitionLoop::ConfirmRedrive(const std::string& session_id, const std::string& redrive_id,
                                   QuarantineWatch& watch) {
  absl::StatusOr<std::optional<QuarantineRow>> row;
  for (int attempt = 1;; ++attempt) {
    row = control_store_.LoadQuarantine(options_.topic, session_id);
    if (row.ok() || attempt >= options_.redrive_lookup_attempts) break;
    metrics_.DatabaseRetry();
    options_.sleep(
        CappedExponentialBackoff(options_.initial_backoff, options_.max_backoff, attempt));
  }
  std::string problem;
  if (!row.ok()) {
    problem = absl::StrCat("its quarantine row could not be read: ", row.status().ToString());
  } else if (!row->has_value()) {
    problem = "the session has no quarantine row";
  } else if ((*row)->redrive_id != redrive_id) {
    problem = absl::StrCat("the quarantine row names redrive '", (*row)->redrive_id, "'");
  }
  if (!problem.empty()) {
    metrics_.Redrive("unconfirmed");
    log::Warn("worker.redrive_unconfirmed",
              {{"session_id", session_id},
               {"redrive_id", redrive_id},
               {"detail", absl::StrCat(problem, "; its records follow the quarantine to the "
                                                "DLQ: run the redrive again")}});
    return false;
  }
  watch.Followed((*row)->followed_through);
  log::Info("worker.redrive_confirmed", {{"session_id", session_id}, {"redrive_id", redrive_id}});
  return true;
}

DeadLetter PartitionLoop::FollowLetter(int32_t partition, int64_t offset, const v1::Task& task,
                                       PartitionState& state) {
  state.watched[task.session_id()].Followed(offset);
  return QuarantinedLetter(partition, offset, task);
}

DeadLetter PartitionLoop::PoisonLetter(int32_t partition, int64_t offset, std::string session_id,
                                       std::string project_id, DeadLetterReason reason,
                                       std::string detail, PartitionState& state) {
  DeadLetter letter;
  letter.partition = partition;
  letter.offset = offset;
  letter.session_id = std::move(session_id);
  letter.project_id = std::move(project_id);
  letter.reason = reason;
  letter.detail = std::move(detail);
  // The first poison record of a session quarantines it; so does a poison
  // record of a redrive under way: the redrive failed, its rest follows.
  auto watch = state.watched.find(letter.session_id);
  const bool redriving = watch != state.watched.end() && watch->second.redrive_releases;
  letter.quarantines_session =
      !letter.session_id.empty() &&
      (state.quarantined.insert(letter.session_id).second || redriving);
  if (letter.quarantines_session) {
    if (watch != state.watched.end()) watch->second.followed_through = -1;
    absl::StrAppend(&letter.detail, "; session quarantined, its later records follow to the DLQ");
  }
  if (redriving) {
    watch->second.redrive_releases = false;
    metrics_.Redrive("failed");
    log::Warn("worker.redrive_failed",
              {{"partition", partition},
               {"offset", offset},
               {"session_id", letter.session_id},
               {"redrive_id", watch->second.redrive_id},
               {"detail", "a redriven record is poison again: the quarantine restarts at it; fix "
                          "the cause, then redrive again"}});
  }
  return letter;
}

void PartitionLoop::FollowQuarantine(int32_t partition, const std::string& session_id,
                                     PartitionState& state) {
  auto follow = [&](TaskRecord& record) {
    if (record.dead_letter.has_value() || record.task.session_id() != session_id) return;
    DeadLetterDecoded(record, FollowLetter(partition, record.offset, record.task, state));
  };
  if (state.retry.has_value()) {
    for (TaskRecord& record : state.retry->records) follow(record);
  }
  for (TaskRecord& record : state.pending) follow(record);
}

bool PartitionLoop::PendingFull(const PartitionState& state) const {
  return static_cast<int>(state.pending.size()) >= options_.max_batch_records ||
         state.pending_bytes >= options_.max_batch_bytes;
}

bool PartitionLoop::PendingBacklogged(const PartitionState& state) const {
  return static_cast<int>(state.pending.size()) >=
             options_.backlog_batches * options_.max_batch_records ||
         state.pending_bytes >= options_.backlog_batches * options_.max_batch_bytes;
}

bool PartitionLoop::PendingDue(const PartitionState& state, absl::Time now) const {
  if (state.pending.empty()) return false;
  return draining_ || PendingFull(state) || now - state.pending_since >= options_.max_batch_delay;
}

bool PartitionLoop::CaughtUp(int32_t partition, const PartitionState& state) const {
  if (!state.pending.empty()) return false;
  const std::optional<int64_t> high = consumer_.HighWatermark(partition);
  // -1 (nothing read, nothing stored) reads from the start: offset 0 at best.
  return high.has_value() &&
         *high <= std::max({state.next_offset, state.persisted_offset, int64_t{0}});
}

absl::Time PartitionLoop::Watermark(int32_t partition, const PartitionState& state,
                                    const std::vector<TaskRecord>& records) const {
  absl::Time watermark = absl::InfinitePast();
  for (const TaskRecord& record : records) {
    if (record.task.has_received_at()) watermark = std::max(watermark, ReceivedAt(record.task));
  }
  if (CaughtUp(partition, state)) {
    watermark = std::max(watermark, options_.now() - options_.caught_up_margin);
  }
  return watermark;
}

void PartitionLoop::SubmitLifecycleTick(int32_t partition, PartitionState& state) {
  PartitionBatch tick{partition, {}, state.persisted_offset};
  tick.watermark = options_.now() - options_.caught_up_margin;
  Send(state, std::move(tick));
}

void PartitionLoop::SubmitPending(int32_t partition, PartitionState& state) {
  // At most one batch's worth: records that piled up while the previous
  // batch was written wait for the next one.
  size_t count = 0;
  int64_t bytes = 0;
  while (count < state.pending.size() &&
         (count == 0 || (static_cast<int>(count) < options_.max_batch_records &&
                         bytes + state.pending[count].value_bytes <= options_.max_batch_bytes))) {
    bytes += state.pending[count].value_bytes;
    ++count;
  }
  PartitionBatch batch{partition, {}, state.next_offset};
  if (count == state.pending.size()) {
    batch.records = std::exchange(state.pending, {});
    state.pending_since = absl::InfinitePast();
    state.batch_first_at = std::exchange(state.pending_first_at, absl::InfiniteFuture());
  } else {
    const auto split = state.pending.begin() + static_cast<std::ptrdiff_t>(count);
    batch.records.assign(std::make_move_iterator(state.pending.begin()),
                         std::make_move_iterator(split));
    state.pending.erase(state.pending.begin(), split);
    batch.next_offset = state.pending.front().offset;
    // Per-record Kafka times are not kept: the remainder keeps the older
    // time, so the oldest-unprocessed age errs on the high side.
    state.batch_first_at = state.pending_first_at;
  }
  state.batch_bytes = bytes;
  state.pending_bytes -= bytes;
  batch.watermark = Watermark(partition, state, batch.records);
  Send(state, std::move(batch));
}

void PartitionLoop::SubmitRetry(PartitionState& state) {
  PartitionBatch batch = std::move(*state.retry);
  state.retry.reset();
  Send(state, std::move(batch));
}

void PartitionLoop::Send(PartitionState& state, PartitionBatch batch) {
  state.in_flight = true;
  state.last_sent = options_.now();
  ++in_flight_;
  writer_.Submit(std::move(batch));
}

void PartitionLoop::SubmitDue() {
  const absl::Time now = options_.now();
  for (auto& [partition, state] : partitions_) {
    if (state.in_flight) continue;
    if (state.retry.has_value()) {
      if (now >= state.retry_at) SubmitRetry(state);
    } else if (PendingDue(state, now)) {
      SubmitPending(partition, state);
    } else if (!draining_ && now - state.last_sent >= options_.lifecycle_tick &&
               CaughtUp(partition, state)) {
      SubmitLifecycleTick(partition, state);
    }
  }
}

void PartitionLoop::CollectResults(absl::Duration wait) {
  if (in_flight_ == 0) return;
  for (BatchResult& result : writer_.TakeResults(wait)) OnResult(std::move(result));
}

void PartitionLoop::OnResult(BatchResult result) {
  --in_flight_;
  const int32_t partition = result.batch.partition;
  auto it = partitions_.find(partition);
  if (it == partitions_.end()) return;
  PartitionState& state = it->second;
  state.in_flight = false;
  PartitionBatch& batch = result.batch;
  if (batch.records.empty()) {
    // A lifecycle tick: nothing to retry (the next one comes), no offset.
    if (!result.status.ok()) {
      log::Warn("worker.lifecycle_tick_failed",
                {{"partition", partition}, {"error", result.status.ToString()}});
    }
    return;
  }

  if (result.status.ok()) {
    const absl::Time committed = options_.now();
    // One counter update per (type, outcome) and batch, not per record.
    std::map<std::pair<absl::string_view, absl::string_view>, int64_t> processed;
    for (const TaskRecord& record : batch.records) {
      // The loop's letters are among dead_lettered too, unless the store
      // dropped them (their quarantined session was erased).
      const bool dead = std::binary_search(result.dead_lettered.begin(), result.dead_lettered.end(),
                                           record.offset);
      ++processed[{TypeName(record.task), dead ? "dead_lettered" : "persisted"}];
      if (!dead && !record.dead_letter.has_value()) {
        metrics_.EndToEndDelay(committed - ReceivedAt(record.task));
      }
    }
    for (const auto& [type_and_outcome, count] : processed) {
      metrics_.RecordsProcessed(type_and_outcome.first, type_and_outcome.second, count);
    }
    for (const std::string& session_id : result.quarantines_erased) {
      if (state.quarantined.erase(session_id) == 0) continue;
      state.watched.erase(session_id);
      log::Info("worker.quarantine_lifted_by_erasure",
                {{"partition", partition},
                 {"session_id", session_id},
                 {"detail",
                  "the session was erased: its later records are dropped and counted "
                  "(ingest_worker_records_dropped_total{reason=\"erased\"}), not "
                  "dead-lettered"}});
    }
    if (state.failed_attempts > 0) {
      log::Info("worker.persist_recovered",
                {{"partition", partition}, {"after_attempts", state.failed_attempts}});
    }
    const int64_t bytes = batch.value_bytes();
    held_bytes_ -= bytes;
    state.batch_bytes -= bytes;
    state.persisted_offset = std::max(state.persisted_offset, batch.next_offset);
    state.failed_attempts = 0;
    state.retry_at = absl::InfinitePast();
    if (!state.retry.has_value()) state.batch_first_at = absl::InfiniteFuture();
    if (options_.before_kafka_commit) options_.before_kafka_commit();
    // Not while partitions are being revoked: a member whose session expired
    // commits with a stale generation, and a static member is then fenced
    // for good. The database holds the offset that matters.
    if (!revoking_) consumer_.CommitAsync({{partition, batch.next_offset}});
    return;
  }

  // A record already bound for the DLQ that is still refused (its session id
  // cannot even be stored as quarantined) is retried like an outage.
  const bool refused_dead_letter =
      batch.records.size() == 1 && batch.records.front().dead_letter.has_value();
  if (IsDataError(result.status) && !refused_dead_letter) {
    // Find the record PostgreSQL refuses: write the batch one record at a
    // time; the single record that still fails goes to the DLQ.
    if (batch.records.size() > 1) {
      std::vector<TaskRecord> records = std::move(batch.records);
      // Resubmit the first alone now; the rest waits as the retry batch.
      PartitionBatch first{partition, {}, records.front().offset + 1};
      first.records.push_back(std::move(records.front()));
      records.erase(records.begin());
      state.retry = PartitionBatch{partition, std::move(records), batch.next_offset};
      state.retry_at = absl::InfinitePast();
      Send(state, std::move(first));
      return;
    }
    TaskRecord& record = batch.records.front();
    // A unique violation the store did not foresee is a conflicting
    // duplicate: like the ones it does, it goes to the DLQ alone and its
    // session flows on. Any other refusal is poison and quarantines it.
    const bool conflicting = result.status.code() == absl::StatusCode::kAlreadyExists;
    DeadLetter letter =
        conflicting
            ? LetterFor(partition, record.offset, record.task,
                        DeadLetterReason::kConflictingDuplicate,
                        std::string(result.status.message()))
            : PoisonLetter(partition, record.offset, record.task.session_id(),
                           record.task.project_id(), DeadLetterReason::kInvalidRecord,
                           absl::StrCat("PostgreSQL refused the record: ", result.status.message()),
                           state);
    log::Warn("worker.record_refused_by_database", {{"partition", partition},
                                                    {"offset", record.offset},
                                                    {"session_id", letter.session_id},
                                                    {"error", result.status.ToString()}});
    const bool quarantines = letter.quarantines_session;
    const std::string session_id = letter.session_id;
    DeadLetterDecoded(record, std::move(letter));
    if (quarantines) FollowQuarantine(partition, session_id, state);
    Send(state, std::move(batch));
    return;
  }

  ++state.failed_attempts;
  const absl::Duration backoff =
      CappedExponentialBackoff(options_.initial_backoff, options_.max_backoff, state.failed_attempts);
  state.retry_at = options_.now() + backoff;
  metrics_.DatabaseRetry();
  if (WorthLogging(state.failed_attempts)) {
    log::Warn("worker.persist_retry", {{"partition", partition},
                                       {"records", static_cast<int64_t>(batch.records.size())},
                                       {"attempt", state.failed_attempts},
                                       {"backoff_ms", absl::ToInt64Milliseconds(backoff)},
                                       {"error", result.status.ToString()}});
  }
  if (state.retry.has_value()) {
    // The failed batch was split off the retry batch: put it back in front.
    std::vector<TaskRecord>& rest = state.retry->records;
    rest.insert(rest.begin(), std::make_move_iterator(batch.records.begin()),
                std::make_move_iterator(batch.records.end()));
  } else {
    state.retry = std::move(batch);
  }
}

void PartitionLoop::UpdatePauses() {
  const bool over_budget = held_bytes_ > options_.max_held_bytes;
  for (auto& [partition, state] : partitions_) {
    const bool want = state.failed_attempts > 0 || PendingBacklogged(state) ||
                      (over_budget && !state.pending.empty());
    if (want == state.paused) continue;
    if (want) {
      consumer_.Pause(partition);
    } else {
      consumer_.Resume(partition);
    }
    state.paused = want;
  }
}

void PartitionLoop::UpdateGauges() {
  const absl::Time now = options_.now();
  if (now - gauges_updated_ < options_.gauge_interval) return;
  gauges_updated_ = now;
  int paused = 0;
  absl::Time oldest = absl::InfiniteFuture();
  for (const auto& [partition, state] : partitions_) {
    if (state.paused) ++paused;
    if (state.HasUnpersisted()) oldest = std::min(oldest, state.OldestUnpersistedAt());
  }
  metrics_.SetHeld(held_bytes_, paused);
  metrics_.SetOldestUnprocessedAge(oldest == absl::InfiniteFuture()
                                       ? absl::ZeroDuration()
                                       : std::max(absl::ZeroDuration(), now - oldest));
  for (const auto& [partition, state] : partitions_) {
    const std::optional<int64_t> high = consumer_.HighWatermark(partition);
    if (!high.has_value()) continue;
    metrics_.SetPartitionLag(partition,
                             std::max<int64_t>(0, *high - std::max<int64_t>(0, state.persisted_offset)));
  }
}

absl::Duration PartitionLoop::UntilNextDue() const {
  const absl::Time now = options_.now();
  absl::Time next = absl::InfiniteFuture();
  for (const auto& [partition, state] : partitions_) {
    if (state.in_flight) continue;
    if (state.retry.has_value()) {
      next = std::min(next, state.retry_at);
    } else if (!state.pending.empty()) {
      next = std::min(next, state.pending_since + options_.max_batch_delay);
    }
  }
  return std::max(absl::ZeroDuration(), next - now);
}


bool PartitionLoop::PersistHeldNow(int32_t partition, absl::Time deadline) {
  bool resubmitted = false;
  while (true) {
    PartitionState& state = partitions_.at(partition);
    if (!state.HasUnpersisted()) return true;
    if (!state.in_flight) {
      // The transaction under way (waited for above) may have failed: one
      // more attempt, then leave the rest to the next owner.
      if (options_.now() >= deadline) return false;
      if (state.retry.has_value()) {
        if (resubmitted) return false;
        resubmitted = true;
        state.retry_at = absl::InfinitePast();
      }
      if (state.retry.has_value()) {
        SubmitRetry(state);
      } else if (!state.pending.empty()) {
        SubmitPending(partition, state);
      }
    }
    // Waits for the writer even past the deadline: a transaction under way
    // ends within the store's timeouts, and must not outlive the ownership.
    CollectResults(options_.poll_timeout);
  }
}

PartitionOffsets PartitionLoop::OnPartitionsAssigned(const std::vector<int32_t>& partitions) {
  joined_.store(true);
  metrics_.Rebalance("assigned", static_cast<int>(partitions.size()));
  if (partitions.empty()) return {};
  // The database is the source of truth for where to resume and which
  // sessions are quarantined; without it we cannot safely start, so wait for
  // it (with backoff) unless stopping.
  for (int attempt = 1;; ++attempt) {
    absl::StatusOr<PartitionOffsets> stored =
        control_store_.LoadNextOffsets(options_.topic, partitions);
    absl::StatusOr<QuarantinedSessions> quarantined =
        stored.ok() ? control_store_.LoadQuarantinedSessions(options_.topic, partitions)
                    : absl::StatusOr<QuarantinedSessions>(stored.status());
    if (quarantined.ok()) {
      for (int32_t partition : partitions) {
        PartitionState state;
        auto it = stored->find(partition);
        if (it != stored->end()) state.next_offset = state.persisted_offset = it->second;
        // Sessions are per partition (keyed by session id), so every owner
        // of a partition holds the whole set of its quarantined sessions.
        state.quarantined = *quarantined;
        partitions_[partition] = std::move(state);
      }
      metrics_.SetAssignedPartitions(assigned_partitions());
      log::Info("worker.partitions_assigned", {{"partitions", absl::StrJoin(partitions, ",")},
                                               {"owned", assigned_partitions()},
                                               {"quarantined_sessions",
                                                static_cast<int64_t>(quarantined->size())}});
      return *stored;
    }
    const absl::Duration backoff =
        CappedExponentialBackoff(options_.initial_backoff, options_.max_backoff, attempt);
    log::Warn("worker.load_offsets_retry", {{"partitions", absl::StrJoin(partitions, ",")},
                                             {"attempt", attempt},
                                             {"backoff_ms", absl::ToInt64Milliseconds(backoff)},
                                             {"error", quarantined.status().ToString()}});
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
  revoking_ = true;
  absl::Cleanup end_revoking = [this] { revoking_ = false; };
  const absl::Time deadline = options_.now() + options_.drain_timeout;
  for (int32_t partition : partitions) {
    if (!partitions_.contains(partition)) continue;
    if (!PersistHeldNow(partition, deadline)) {
      log::Warn("worker.batch_abandoned_on_revoke",
                {{"partition", partition},
                 {"detail", "the next owner resumes from the database offset"}});
    }
    Release(partition);
  }
  metrics_.SetAssignedPartitions(assigned_partitions());
  log::Info("worker.partitions_revoked", {{"partitions", absl::StrJoin(partitions, ",")},
                                          {"owned", assigned_partitions()}});
}

void PartitionLoop::OnPartitionsLost(const std::vector<int32_t>& partitions) {
  metrics_.Rebalance("lost", static_cast<int>(partitions.size()));
  revoking_ = true;
  absl::Cleanup end_revoking = [this] { revoking_ = false; };
  int64_t abandoned_records = 0;
  for (int32_t partition : partitions) {
    if (!partitions_.contains(partition)) continue;
    // A transaction under way ends within the store's timeouts; it is
    // harmless if it commits (the offset moves with the rows), but no new
    // one may start: another member may own the partition already.
    AwaitInFlight(partition);
    const PartitionState& state = partitions_.at(partition);
    abandoned_records += static_cast<int64_t>(state.pending.size()) +
                         (state.retry.has_value()
                              ? static_cast<int64_t>(state.retry->records.size())
                              : 0);
    Release(partition);
  }
  metrics_.SetAssignedPartitions(assigned_partitions());
  log::Warn("worker.partitions_lost",
            {{"partitions", absl::StrJoin(partitions, ",")},
             {"owned", assigned_partitions()},
             {"abandoned_records", abandoned_records},
             {"detail", "the group may have given them to another member; held records are "
                        "dropped and replayed from the database offset by the next owner"}});
}

void PartitionLoop::AwaitInFlight(int32_t partition) {
  while (partitions_.at(partition).in_flight) CollectResults(options_.poll_timeout);
}

void PartitionLoop::Release(int32_t partition) {
  PartitionState& state = partitions_.at(partition);
  held_bytes_ -= state.pending_bytes + state.batch_bytes;
  partitions_.erase(partition);
  metrics_.RemovePartition(partition);
}

}  // namespace ingest
