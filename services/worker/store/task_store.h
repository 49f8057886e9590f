#pragma once

// TaskStore: the worker's narrow view of PostgreSQL.
//
// PersistBatches is the exactly-once step: the rows of one or more partition
// batches, the sessions they quarantine and each partition's next offset
// commit in one transaction, so after any crash the database says precisely
// where to resume. Row keys (session, payload_id, chunk) make re-persisting an
// already stored record a no-op.
//
// Dead letters: records the loop already judged poison (TaskRecord::dead
// letter set) and records the store finds unfit while writing (a conflicting
// duplicate, the last chunk of an incomplete stream) are handed,
// together and in (partition, offset) order, to the DeadLetterSink before
// COMMIT. The sink produces them to the DLQ and waits for the broker; if it
// fails the transaction rolls back, so an offset never moves past a record
// that is neither in the database nor in the DLQ.

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "ingest/v1/task.pb.h"
#include "services/common/kafka/consumer.h"
#include "services/common/kafka/first_position.h"
#include "services/common/retention/day_partitions.h"

namespace ingest {

// Why a record goes to ingest.tasks.dlq instead of the database. The names
// (DeadLetterReasonName) are the `reason` header and a metric label.
enum class DeadLetterReason {
  kInvalidRecord,         // DecodeTask refused it (undecodable or invalid)
  kQuarantinedSession,    // its session was quarantined by an earlier record
  kConflictingDuplicate,  // same (session, payload_id, chunk), other bytes
  kStreamIncomplete,      // a streamed payload's last chunk found chunks missing
};

absl::string_view DeadLetterReasonName(DeadLetterReason reason);

// One record bound for the DLQ, with everything its headers need.
struct DeadLetter {
  int32_t partition = -1;
  int64_t offset = -1;
  // Where the source record first entered the topic (first_position.h);
  // unknown means (partition, offset). Written to the letter's headers, so a
  // redrive keeps it.
  FirstPosition first;
  std::string key;    // the source record's key
  std::string value;  // the source record's value, byte for byte
  std::string session_id;  // may be empty (undecodable record, project-keyed task)
  std::string project_id;  // may be empty
  DeadLetterReason reason = DeadLetterReason::kInvalidRecord;
  std::string detail;  // a sentence a person can act on
  // True when this record quarantines its session (a poison record with a
  // known session): the store inserts the quarantine row in the same
  // transaction. A row that already exists is kept, unless a redrive was
  // under way (its redrive_id is set): then the redrive failed, and the
  // quarantine restarts at this record.
  bool quarantines_session = false;
};

// One record of a partition, with where it came from.
struct TaskRecord {
  int64_t offset = -1;
  // Where the record first entered the topic: its own position unless
  // broker-proxy produced it again (first_position.h). Rows keyed by Kafka
  // position use it. Unknown means (the batch's partition, offset).
  FirstPosition first;
  // Decoded. When dead_letter is set: the whole task if the loop judged it
  // poison, only type, project and session if it followed a quarantine, and
  // empty (type UNSPECIFIED) if it was undecodable.
  v1::Task task;
  // Set by the loop: the record is not written; it goes to the sink.
  std::optional<DeadLetter> dead_letter;
  // The record's value size (for batch limits and metrics).
  int64_t value_bytes = 0;
  // Set by the loop on the last record of a redrive of its quarantined
  // session: storing the record deletes the session's quarantine row in the
  // same transaction. Ignored when dead_letter is set.
  bool lifts_quarantine = false;
};

// A partition's records in offset order and the offset after the last one.
struct PartitionBatch {
  int32_t partition = -1;
  std::vector<TaskRecord> records;
  int64_t next_offset = -1;
  // The partition's processed-time watermark when the batch was sent: the
  // newest received_at of its records, or (once the partition was caught up)
  // the loop's clock less a margin. Idle sessions are completed against it
  // (session_summaries.h). InfinitePast: completes nothing. A batch without
  // records carries only this (a lifecycle tick of an idle partition) and
  // stores no offset.
  absl::Time watermark = absl::InfinitePast();

  // The records' value bytes (what batch and memory limits count).
  int64_t value_bytes() const {
    int64_t bytes = 0;
    for (const TaskRecord& record : records) bytes += record.value_bytes;
    return bytes;
  }
};

// Where a transaction's time goes: each Lap() ends a phase that began at
// the previous one (or at construction).
class PhaseClock {
 public:
  PhaseClock() : last_(absl::Now()) {}
  void Lap(const char* phase) {
    const absl::Time now = absl::Now();
    laps_.emplace_back(phase, now - last_);
    last_ = now;
  }
  const std::vector<std::pair<const char*, absl::Duration>>& laps() const { return laps_; }

 private:
  absl::Time last_;
  std::vector<std::pair<const char*, absl::Duration>> laps_;
};

// What a committed transaction did, for metrics and logs.
struct PersistOutcome {
  int64_t rows_written = 0;           // records that wrote or updated rows
  int64_t duplicates_ignored = 0;     // exact replays of stored payloads
  int64_t payload_id_gaps = 0;        // gaps newly counted on sessions
  int64_t streams_completed = 0;      // streamed payloads found complete and stored
  int64_t sessions_completed = 0;     // live sessions found idle and completed
  int64_t sessions_reopened = 0;      // completed sessions a new payload made live again
  int64_t payloads_unparsed = 0;      // newly stored payloads whose facts say unparsed
  int64_t records_erased = 0;         // dropped: their session was erased (session_gate.h)
  int64_t records_expired = 0;        // dropped: a new session whose retention had passed
  std::vector<DeadLetter> dead_letters;  // everything handed to the sink
  // Sessions the loop still holds quarantined that were erased since: the
  // records that followed their quarantine were dropped (records_erased),
  // not dead-lettered, and the loop lifts the quarantine.
  std::vector<std::string> quarantines_erased;
  // begin, gate, other_tasks, lock, chunks, payloads, sessions,
  // quarantines, lifecycle, offsets, dead_letters, commit
  // (ingest_worker_transaction_phase_seconds).
  PhaseClock phases;
};

// Produces `letters` to the DLQ and returns once the broker has them all.
using DeadLetterSink = std::function<absl::Status(absl::Span<const DeadLetter> letters)>;

// Sessions quarantined in the given partitions.
using QuarantinedSessions = std::set<std::string>;

// What the worker needs of one quarantine row to judge a redrive.
struct QuarantineRow {
  std::string redrive_id;        // empty: no redrive under way
  int64_t followed_through = -1;  // highest offset that followed it to the DLQ
};

class TaskStore {
 public:
  virtual ~TaskStore() = default;

  // The stored next offset of each of `partitions` that has one.
  virtual absl::StatusOr<PartitionOffsets> LoadNextOffsets(
      const std::string& topic, const std::vector<int32_t>& partitions) = 0;

  // The sessions quarantined in `partitions` of `topic`.
  virtual absl::StatusOr<QuarantinedSessions> LoadQuarantinedSessions(
      const std::string& topic, const std::vector<int32_t>& partitions) = 0;

  // The quarantine row of `session_id` in `topic`, nullopt if it has none.
  virtual absl::StatusOr<std::optional<QuarantineRow>> LoadQuarantine(
      const std::string& topic, const std::string& session_id) = 0;

  // Persists every batch (each in offset order) and sets each partition's next
  // offset, atomically, calling `sink` before COMMIT when there are dead
  // letters. On error nothing is stored; the status code says whether a retry
  // can help (see pg_status.h).
  virtual absl::StatusOr<PersistOutcome> PersistBatches(const std::string& topic,
                                                        absl::Span<const PartitionBatch> batches,
                                                        const DeadLetterSink& sink) = 0;

  // Cheap round trip (SELECT 1) for readiness.
  virtual absl::Status Ping() = 0;

  // Removes up to `max_rows` chunk rows of streams that never completed,
  // written more than `older_than` ago; returns how many it removed. Rows
  // another transaction holds are skipped, never waited for.
  virtual absl::StatusOr<int64_t> ExpireStreamChunks(absl::Duration older_than,
                                                     int max_rows) = 0;

  // How many sessions are live, and the oldest last_activity_at among them
  // (nullopt: none).
  struct LiveSessions {
    int64_t count = 0;
    std::optional<absl::Time> oldest_activity;
  };
  virtual absl::StatusOr<LiveSessions> ReadLiveSessions() = 0;

  // Creates the day partitions of the coming `lookahead_days` for every
  // retention in use and `default_retention_days`
  // (services/common/retention/day_partitions.h).
  virtual absl::StatusOr<PartitionsEnsured> EnsureDayPartitions(int lookahead_days,
                                                                int default_retention_days) = 0;
};

}  // namespace ingest
