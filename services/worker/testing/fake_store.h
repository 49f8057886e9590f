#pragma once

// In-memory TaskStore for tests: keeps persisted records, offsets, dead
// letters and quarantined sessions per partition, and can be told to fail.

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "services/common/status/status_macros.h"
#include "services/worker/store/task_store.h"

namespace ingest {

class FakeTaskStore : public TaskStore {
 public:
  absl::StatusOr<PartitionOffsets> LoadNextOffsets(const std::string&,
                                                   const std::vector<int32_t>& partitions) override {
    if (load_failures_left > 0) {
      --load_failures_left;
      return absl::UnavailableError("database down");
    }
    PartitionOffsets result;
    for (int32_t partition : partitions) {
      auto it = offsets.find(partition);
      if (it != offsets.end()) result[partition] = it->second;
    }
    return result;
  }

  absl::StatusOr<QuarantinedSessions> LoadQuarantinedSessions(
      const std::string&, const std::vector<int32_t>&) override {
    return quarantined;
  }

  absl::StatusOr<std::optional<QuarantineRow>> LoadQuarantine(
      const std::string&, const std::string& session_id) override {
    ++quarantine_lookups;
    if (quarantine_lookup_failures_left > 0) {
      --quarantine_lookup_failures_left;
      return absl::UnavailableError("database down");
    }
    if (quarantined.count(session_id) == 0) return std::optional<QuarantineRow>();
    QuarantineRow row;
    row.redrive_id = redrive_ids[session_id];
    auto followed = followed_through.find(session_id);
    if (followed != followed_through.end()) row.followed_through = followed->second;
    return std::optional<QuarantineRow>(row);
  }

  absl::StatusOr<PersistOutcome> PersistBatches(const std::string&,
                                                absl::Span<const PartitionBatch> batches,
                                                const DeadLetterSink& sink) override {
    ++persist_calls;
    for (const PartitionBatch& batch : batches) {
      if (failing_partitions.count(batch.partition) > 0) return absl::UnavailableError("lock timeout");
      for (const TaskRecord& record : batch.records) {
        if (!record.dead_letter.has_value() && refused_offsets.count(record.offset) > 0) {
          return absl::InvalidArgumentError("invalid byte sequence for encoding \"UTF8\": 0x00");
        }
        if (!record.dead_letter.has_value() && conflicting_offsets.count(record.offset) > 0) {
          return absl::AlreadyExistsError("conflicting duplicate: the stored copy was kept");
        }
      }
    }
    if (persist_failures_left > 0) {
      --persist_failures_left;
      return absl::UnavailableError("lock timeout");
    }
    PersistOutcome outcome;
    for (const PartitionBatch& batch : batches) {
      if (batch.watermark != absl::InfinitePast()) {
        watermarks[batch.partition].push_back(batch.watermark);
      }
      if (batch.records.empty()) ++lifecycle_ticks[batch.partition];
    }
    // As the SQL: a record that followed the quarantine of an erased session
    // is dropped, and its session's quarantine named for the loop to lift.
    auto erased_follower = [&](const TaskRecord& record) {
      return record.dead_letter.has_value() &&
             record.dead_letter->reason == DeadLetterReason::kQuarantinedSession &&
             erased.count(record.dead_letter->session_id) > 0;
    };
    for (const PartitionBatch& batch : batches) {
      for (const TaskRecord& record : batch.records) {
        if (erased_follower(record)) {
          ++outcome.records_erased;
          dropped[batch.partition].push_back(record.offset);
          const std::string& session_id = record.dead_letter->session_id;
          if (std::find(outcome.quarantines_erased.begin(), outcome.quarantines_erased.end(),
                        session_id) == outcome.quarantines_erased.end()) {
            outcome.quarantines_erased.push_back(session_id);
          }
        } else if (record.dead_letter.has_value()) {
          outcome.dead_letters.push_back(*record.dead_letter);
        } else if (store_dead_letter_offsets.count(record.offset) > 0) {
          DeadLetter letter;
          letter.partition = batch.partition;
          letter.offset = record.offset;
          letter.session_id = record.task.session_id();
          letter.reason = DeadLetterReason::kConflictingDuplicate;
          outcome.dead_letters.push_back(letter);
        }
      }
    }
    if (!outcome.dead_letters.empty() && sink) {
      RETURN_IF_ERROR(sink(outcome.dead_letters));
    }
    for (const PartitionBatch& batch : batches) {
      for (const TaskRecord& record : batch.records) {
        if (erased_follower(record)) continue;
        if (!record.dead_letter.has_value() && store_dead_letter_offsets.count(record.offset) > 0) {
          dead_lettered[batch.partition].push_back(record.offset);
        } else if (record.dead_letter.has_value()) {
          dead_lettered[batch.partition].push_back(record.offset);
          const DeadLetter& letter = *record.dead_letter;
          if (letter.quarantines_session) {
            // As the SQL: a row is kept unless a redrive of it was under way.
            if (quarantined.insert(letter.session_id).second ||
                !redrive_ids[letter.session_id].empty()) {
              redrive_ids.erase(letter.session_id);
              followed_through.erase(letter.session_id);
              quarantine_offsets[letter.session_id] = letter.offset;
            }
          } else if (letter.reason == DeadLetterReason::kQuarantinedSession) {
            auto [it, added] = followed_through.emplace(letter.session_id, letter.offset);
            if (!added) it->second = std::max(it->second, letter.offset);
          }
        } else {
          persisted[batch.partition].push_back(record.offset);
          persisted_first[batch.partition].push_back(record.first);
          if (record.lifts_quarantine) {
            const std::string& session_id = record.task.session_id();
            quarantined.erase(session_id);
            redrive_ids.erase(session_id);
            followed_through.erase(session_id);
            lifted.push_back(session_id);
          }
        }
      }
      if (batch.records.empty()) continue;  // a lifecycle tick stores no offset (as the SQL)
      offsets[batch.partition] = batch.next_offset;
      batch_sizes.push_back(static_cast<int>(batch.records.size()));
    }
    return outcome;
  }

  absl::Status Ping() override { return absl::OkStatus(); }

  absl::StatusOr<LiveSessions> ReadLiveSessions() override {
    if (live_sessions_fail) return absl::UnavailableError("database down");
    return live_sessions;
  }

  absl::StatusOr<PartitionsEnsured> EnsureDayPartitions(int lookahead_days,
                                                        int default_retention_days) override {
    ensure_calls.push_back({lookahead_days, default_retention_days});
    if (ensure_fails) return absl::UnavailableError("database down");
    return PartitionsEnsured{.created = 2};
  }

  absl::StatusOr<int64_t> ExpireStreamChunks(absl::Duration older_than, int max_rows) override {
    expire_calls.push_back({older_than, max_rows});
    if (expirable_chunks < 0) return absl::UnavailableError("database down");
    const int64_t removed = std::min<int64_t>(expirable_chunks, max_rows);
    expirable_chunks -= removed;
    return removed;
  }

  // Offsets of persisted / dead-lettered records, per partition, in order.
  std::map<int32_t, std::vector<int64_t>> persisted;
  std::map<int32_t, std::vector<int64_t>> dead_lettered;
  // Erased sessions (erased_sessions), and the offsets of the records that
  // followed their quarantine and were dropped for it.
  std::set<std::string> erased;
  std::map<int32_t, std::vector<int64_t>> dropped;
  // The first positions of persisted records, in the same order.
  std::map<int32_t, std::vector<FirstPosition>> persisted_first;
  PartitionOffsets offsets;
  QuarantinedSessions quarantined;
  // Columns of the quarantine rows, by session (quarantined_sessions).
  std::map<std::string, std::string> redrive_ids;
  std::map<std::string, int64_t> followed_through;
  std::map<std::string, int64_t> quarantine_offsets;
  // Sessions whose quarantine a stored redrive lifted, in order.
  std::vector<std::string> lifted;
  int quarantine_lookups = 0;
  int quarantine_lookup_failures_left = 0;
  std::vector<int> batch_sizes;
  int persist_calls = 0;
  int persist_failures_left = 0;
  int load_failures_left = 0;
  std::set<int32_t> failing_partitions;
  // The watermark of each persisted batch that had one, and the record-less
  // batches (lifecycle ticks), per partition.
  std::map<int32_t, std::vector<absl::Time>> watermarks;
  std::map<int32_t, int> lifecycle_ticks;
  // What ReadLiveSessions answers (or that it fails).
  LiveSessions live_sessions;
  bool live_sessions_fail = false;
  // Chunk rows ExpireStreamChunks may remove (negative: it fails), and its calls.
  int64_t expirable_chunks = 0;
  std::vector<std::pair<absl::Duration, int>> expire_calls;
  // EnsureDayPartitions' calls (lookahead, default retention), and whether it fails.
  std::vector<std::pair<int, int>> ensure_calls;
  bool ensure_fails = false;
  // Records the store itself sends to the DLQ (as it does a conflicting
  // duplicate) while the transaction commits.
  std::set<int64_t> store_dead_letter_offsets;
  // Records PostgreSQL "refuses" (a data error) unless dead-lettered.
  std::set<int64_t> refused_offsets;
  // Records the store refuses as conflicting duplicates (ALREADY_EXISTS).
  std::set<int64_t> conflicting_offsets;
};

}  // namespace ingest
