#include "services/worker/store/transaction_body.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "services/common/codec/task_codec.h"
#include "services/common/facts/payload_facts_extractor.h"
#include "services/common/pg/pg_text_array.h"
#include "services/common/status/status_macros.h"
#include "services/worker/store/partition_state.h"
#include "services/worker/store/payload_writer.h"
#include "services/worker/store/record_day.h"
#include "services/worker/store/session_gate.h"
#include "services/worker/store/session_summaries.h"
#include "services/worker/store/stored_payload.h"
#include "services/worker/store/task_writer.h"

namespace ingest {
namespace {

// A letter for a record the store refused. The value is the task re-encoded:
// the store never sees the record's original bytes, and EncodeTask of a
// decoded task round-trips.
DeadLetter StoreLetter(const PayloadRecord& payload, DeadLetterReason reason, std::string detail) {
  const v1::Task& task = payload.record->task;
  DeadLetter letter;
  letter.partition = payload.partition;
  letter.offset = payload.record->offset;
  letter.first = payload.record->first;
  letter.key = task.session_id();
  letter.value = EncodeTask(task);
  letter.session_id = task.session_id();
  letter.project_id = task.project_id();
  letter.reason = reason;
  letter.detail = std::move(detail);
  return letter;
}

// Step 0: the sessions the records may write, and their rows' day.
absl::StatusOr<SessionGate> OpenGate(PgConnection& db, absl::Span<const PartitionBatch> batches,
                                     int default_retention_days) {
  std::map<std::string, GateEntry> sessions;
  for (const PartitionBatch& batch : batches) {
    for (const TaskRecord& record : batch.records) {
      const v1::Task& task = record.task;
      if (record.dead_letter.has_value() || task.session_id().empty()) continue;
      sessions.try_emplace(task.session_id(), GateEntry{task.project_id(), ReceivedAt(task),
                                                        static_cast<int>(task.retention_days())});
    }
  }
  return OpenSessionGate(db, sessions, default_retention_days);
}

// The day of a record's rows: its session's, or (without a session) its own.
ExpireDay DayOfRecord(const SessionGate& gate, const v1::Task& task, int default_retention_days) {
  if (!task.session_id().empty()) return gate.DayOf(task.session_id());
  return RecordDay(task, default_retention_days);
}

// Step 1: non-payload tasks are written; payload records and the loop's
// letters are collected for the later steps. Records of sessions the gate
// refused are dropped and counted.
absl::Status WriteOtherTasks(PgConnection& db, absl::Span<const PartitionBatch> batches,
                             const SessionGate& gate, int default_retention_days,
                             std::vector<PayloadRecord>* payloads, PersistOutcome* outcome) {
  for (const PartitionBatch& batch : batches) {
    for (const TaskRecord& record : batch.records) {
      if (record.dead_letter.has_value()) {
        DeadLetter letter = *record.dead_letter;
        if (letter.partition < 0) letter.partition = batch.partition;
        if (letter.offset < 0) letter.offset = record.offset;
        outcome->dead_letters.push_back(std::move(letter));
        continue;
      }
      const GateVerdict verdict = record.task.session_id().empty()
                                      ? GateVerdict::kAdmitted
                                      : gate.VerdictOf(record.task.session_id());
      if (verdict == GateVerdict::kErased) {
        ++outcome->records_erased;
        continue;
      }
      if (verdict == GateVerdict::kExpired) {
        ++outcome->records_expired;
        continue;
      }
      const ExpireDay day = DayOfRecord(gate, record.task, default_retention_days);
      if (record.task.type() == v1::TASK_TYPE_PUSH_PAYLOAD) {
        payloads->emplace_back(batch.partition, record, day);
        continue;
      }
      ASSIGN_OR_RETURN(int64_t rows, WriteTask(db, batch.partition, record, day));
      if (rows > 0) ++outcome->rows_written;
    }
  }
  return absl::OkStatus();
}

// Step 1b: records that followed a quarantine the loop still holds, of a
// session erased since (erasure deletes the quarantine row, but the loop
// learns of it only here): dropped and counted like the gate's, not
// dead-lettered, and the loop lifts the quarantine. Only batches with such
// letters pay for the lookup.
absl::Status DropLettersOfErasedSessions(PgConnection& db, PersistOutcome* outcome) {
  std::set<std::string> following;
  for (const DeadLetter& letter : outcome->dead_letters) {
    if (letter.reason == DeadLetterReason::kQuarantinedSession && !letter.session_id.empty()) {
      following.insert(letter.session_id);
    }
  }
  if (following.empty()) return absl::OkStatus();
  const std::vector<std::string> ids(following.begin(), following.end());
  ASSIGN_OR_RETURN(
      PgResult result,
      db.Query("SELECT session_id FROM erased_sessions WHERE session_id = ANY($1::text[])",
               {PgParam::Text(ToPgTextArray(ids))}));
  std::set<std::string> erased;
  for (int row = 0; row < PQntuples(result.get()); ++row) {
    erased.insert(PQgetvalue(result.get(), row, 0));
  }
  if (erased.empty()) return absl::OkStatus();
  std::erase_if(outcome->dead_letters, [&](const DeadLetter& letter) {
    const bool drop = letter.reason == DeadLetterReason::kQuarantinedSession &&
                      erased.contains(letter.session_id);
    if (drop) ++outcome->records_erased;
    return drop;
  });
  outcome->quarantines_erased.assign(erased.begin(), erased.end());
  return absl::OkStatus();
}

// The facts of a record from a gateway older than issue 18.
const v1::PayloadFacts& NotExtractedFacts() {
  static const v1::PayloadFacts* const facts =
      new v1::PayloadFacts(UnparsedPayloadFacts(kUnparsedNotExtracted));
  return *facts;
}

// Steps 2-4.
absl::Status WritePayloadRecords(PgConnection& db, absl::Span<const PayloadRecord> payloads,
                                 const SessionLifecycleOptions& lifecycle,
                                 PersistOutcome* outcome) {
  ASSIGN_OR_RETURN(PayloadWrite write, WritePayloads(db, payloads, &outcome->phases));
  outcome->rows_written += write.rows_written;
  outcome->duplicates_ignored += write.plan.duplicates_ignored;
  // A conflicting duplicate (a retry with other bytes) goes to the DLQ alone:
  // the first copy stays, the session is flagged, and its later payloads
  // are stored as usual.
  std::map<std::string, int64_t> conflicts_of_session;
  for (const PayloadConflict& conflict : write.plan.conflicts) {
    const PayloadRecord& payload = payloads[conflict.record];
    outcome->dead_letters.push_back(
        StoreLetter(payload, DeadLetterReason::kConflictingDuplicate, conflict.detail));
    ++conflicts_of_session[payload.record->task.session_id()];
  }

  // Whole payloads count when inserted, streamed ones when completed.
  std::vector<size_t> counted = write.inserted;
  for (size_t i = 0; i < write.plan.stream_ends.size(); ++i) {
    const size_t end = write.plan.stream_ends[i];
    const StreamVerdict& verdict = write.stream_verdicts[i];
    if (!verdict.complete) {
      outcome->dead_letters.push_back(
          StoreLetter(payloads[end], DeadLetterReason::kStreamIncomplete, verdict.detail));
      continue;
    }
    ++outcome->streams_completed;
    if (verdict.newly_complete) counted.push_back(end);
  }
  std::sort(counted.begin(), counted.end());

  // Step 4: every payload session's row, with the newly counted payloads'
  // facts folded in (session_summaries.h).
  std::map<std::string, SessionUpdate> sessions;
  for (const PayloadRecord& payload : payloads) {
    const v1::Task& task = payload.record->task;
    SessionUpdate& session = sessions[task.session_id()];
    session.project_id = task.project_id();
    session.expire_day = payload.expire_day;
    session.partition = payload.partition;
    session.has_unloaded |= task.payload().has_session_unloaded();
  }
  for (const auto& [session_id, conflicts] : conflicts_of_session) {
    sessions[session_id].conflicting_duplicates = conflicts;
  }
  for (size_t record : counted) {
    const v1::Task& task = payloads[record].record->task;
    sessions[task.session_id()].counted.push_back(
        {task.payload_id(),
         task.payload().has_facts() ? &task.payload().facts() : &NotExtractedFacts(),
         ReceivedAt(task)});
  }
  ASSIGN_OR_RETURN(SessionsOutcome updated, UpdateSessions(db, sessions, lifecycle.rage_clicks));
  outcome->payload_id_gaps += updated.payload_id_gaps;
  outcome->sessions_reopened += updated.sessions_reopened;
  outcome->payloads_unparsed += updated.payloads_unparsed;
  outcome->phases.Lap("sessions");
  return absl::OkStatus();
}

// Step 5: a redrive's stored last record lifts its session's quarantine
// (before a later record of the batch may quarantine the session again); a
// poison record quarantines its session; records that followed a quarantine
// move its followed_through mark.
absl::Status WriteQuarantines(PgConnection& db, const std::string& topic,
                              absl::Span<const PartitionBatch> batches,
                              absl::Span<const DeadLetter> letters) {
  for (const PartitionBatch& batch : batches) {
    for (const TaskRecord& record : batch.records) {
      if (!record.lifts_quarantine || record.dead_letter.has_value()) continue;
      if (absl::Status status = LiftQuarantine(db, topic, record.task.session_id());
          !status.ok()) {
        return status;
      }
    }
  }
  std::map<std::string, int64_t> followed_through;
  for (const DeadLetter& letter : letters) {
    if (letter.session_id.empty()) continue;
    if (letter.quarantines_session) {
      RETURN_IF_ERROR(QuarantineSession(db, topic, letter));
    } else if (letter.reason == DeadLetterReason::kQuarantinedSession) {
      int64_t& offset = followed_through[letter.session_id];
      offset = std::max(offset, letter.offset);
    }
  }
  for (const auto& [session_id, offset] : followed_through) {
    if (absl::Status status = NoteFollowedThrough(db, topic, session_id, offset); !status.ok()) {
      return status;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PersistOutcome> WriteTransactionBody(PgConnection& db, const std::string& topic,
                                                    absl::Span<const PartitionBatch> batches,
                                                    const SessionLifecycleOptions& lifecycle,
                                                    int default_retention_days,
                                                    PersistOutcome outcome) {
  ASSIGN_OR_RETURN(SessionGate gate, OpenGate(db, batches, default_retention_days));
  outcome.phases.Lap("gate");
  std::vector<PayloadRecord> payloads;
  if (absl::Status status =
          WriteOtherTasks(db, batches, gate, default_retention_days, &payloads, &outcome);
      !status.ok()) {
    return status;
  }
  if (absl::Status status = DropLettersOfErasedSessions(db, &outcome); !status.ok()) {
    return status;
  }
  outcome.phases.Lap("other_tasks");
  if (absl::Status status = WritePayloadRecords(db, payloads, lifecycle, &outcome);
      !status.ok()) {
    return status;
  }
  if (absl::Status status = WriteQuarantines(db, topic, batches, outcome.dead_letters);
      !status.ok()) {
    return status;
  }
  outcome.phases.Lap("quarantines");
  std::vector<PartitionWatermark> watermarks;
  for (const PartitionBatch& batch : batches) {
    if (batch.watermark != absl::InfinitePast()) {
      watermarks.push_back({batch.partition, batch.watermark});
    }
  }
  ASSIGN_OR_RETURN(int64_t completed, CompleteIdleSessions(db, watermarks, lifecycle));
  outcome.sessions_completed += completed;
  outcome.phases.Lap("lifecycle");
  for (const PartitionBatch& batch : batches) {
    if (batch.records.empty()) continue;  // a lifecycle tick: nothing consumed
    absl::Status status = StoreNextOffset(db, topic, batch.partition, batch.next_offset);
    if (!status.ok()) return status;
  }
  outcome.phases.Lap("offsets");
  std::stable_sort(outcome.dead_letters.begin(), outcome.dead_letters.end(),
                   [](const DeadLetter& a, const DeadLetter& b) {
                     return std::tie(a.partition, a.offset) < std::tie(b.partition, b.offset);
                   });
  return outcome;
}

}  // namespace ingest
