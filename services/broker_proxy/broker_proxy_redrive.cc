// BrokerProxyCore's RedriveSession and ReplaySession: producing a
// session's records again, from the DLQ or from the ingest topic.

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "services/broker_proxy/broker_proxy_core.h"
#include "services/broker_proxy/delivery_tracker.h"
#include "services/common/codec/task_codec.h"
#include "services/common/kafka/dead_letter_headers.h"
#include "services/common/kafka/first_position.h"
#include "services/common/kafka/redrive_headers.h"
#include "services/common/logging/log.h"
#include "services/common/status/status_macros.h"

namespace ingest {
namespace {

// "<prefix>-<unix ms>-<8 random hex digits>": sortable by time, unique
// enough among an operator's redrives and replays.
std::string NewOperationId(absl::string_view prefix) {
  absl::BitGen random;
  return absl::StrCat(prefix, "-", absl::ToUnixMillis(absl::Now()), "-",
                      absl::Hex(absl::Uniform<uint32_t>(random), absl::kZeroPad8));
}

// Where one dead letter of a redrive is, and where it came from.
struct LetterPosition {
  int32_t dlq_partition = -1;
  int64_t dlq_offset = -1;
  int64_t source_offset = -1;
};

// At most this many undecodable letters are named in a refusal.
constexpr size_t kMaxNamedUndecodable = 5;

}  // namespace

absl::StatusOr<v1::RedriveSessionResponse> BrokerProxyCore::RedriveSession(
    const v1::RedriveSessionRequest& request, const std::string& operator_id,
    absl::Time deadline) {
  const std::string& session = request.session_id();
  const std::string topic = request.topic().empty() ? options_.default_topic : request.topic();
  RETURN_IF_ERROR(ValidateSessionIdShape(session));
  RETURN_IF_ERROR(ValidateTopicName(topic));
  if (quarantines_ == nullptr || database_ == nullptr) {
    return absl::UnavailableError(
        "RedriveSession needs the worker's database (start broker-proxy with --pg_dsn): it "
        "reads and marks the session's quarantine");
  }
  if (dead_letters_ == nullptr) {
    return absl::UnavailableError("broker-proxy has no dead-letter reader");
  }
  if (producer_ == nullptr && !request.dry_run()) {
    return absl::UnavailableError("broker-proxy has no Kafka producer to redrive with");
  }

  // An erased session's letters stay in the DLQ until its retention takes
  // them: the worker would drop every redriven record (and count it), so
  // the redrive is refused before anything is produced.
  ASSIGN_OR_RETURN(std::optional<SessionErasure> erasure, quarantines_->ReadErasure(session));
  if (erasure.has_value()) {
    log::Warn("broker_proxy.redrive_refused",
              {{"session_id", session},
               {"operator", operator_id},
               {"erasure_id", erasure->erasure_id},
               {"detail", "the session was erased; its dead letters are not redriven"}});
    return absl::FailedPreconditionError(absl::StrCat(
        ErasedSessionText(session, *erasure),
        ": its dead letters are not redriven, the worker would drop every one; they leave ", topic,
        ".dlq with that topic's retention"));
  }

  absl::StatusOr<std::optional<Quarantine>> read = quarantines_->ReadQuarantine(topic, session);
  if (!read.ok()) return read.status();
  if (!read->has_value()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "session ", session, " is not quarantined in ", topic, "; nothing to redrive"));
  }
  const Quarantine quarantine = **read;
  const int32_t partition = quarantine.partition;

  // H0: every record of the session below it that followed the quarantine
  // is in the DLQ once the worker's database offset reached it.
  ASSIGN_OR_RETURN(std::vector<PartitionWatermarks> marks, Watermarks(topic));
  auto mark = std::find_if(marks.begin(), marks.end(),
                           [&](const PartitionWatermarks& m) { return m.partition == partition; });
  if (mark == marks.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("session ", session, " was quarantined in partition ", partition, " of ",
                     topic, ", which the topic no longer has"));
  }
  const int64_t h0 = mark->high;
  const absl::Time caught_up_by = std::min(deadline, absl::Now() + options_.admin_timeout);
  for (;;) {
    ASSIGN_OR_RETURN(auto stored, database_->NextOffsets(topic));
    auto it = stored.find(partition);
    const int64_t resume = it != stored.end() ? it->second : -1;
    if (resume >= h0) break;
    if (absl::Now() + options_.catch_up_poll > caught_up_by) {
      return absl::UnavailableError(absl::StrCat(
          "the worker is ", h0 - std::max(resume, mark->low), " records behind on partition ",
          partition, ": the DLQ may not hold all of session ", session,
          "'s records yet; retry when `ingestctl lag` shows partition ", partition,
          " caught up"));
    }
    absl::SleepFor(options_.catch_up_poll);
  }

  // Pass 1: positions of the session's letters, not their values.
  const std::string dlq = topic + ".dlq";
  std::vector<LetterPosition> letters;
  std::vector<LetterPosition> undecodable;
  std::vector<std::string> named_undecodable;
  absl::StatusOr<TopicScanEnd> scanned =
      dead_letters_->Scan(dlq, {}, deadline, [&](const TopicRecord& record) {
        if (record.key != session) return true;
        const std::string* source_topic = FindHeader(record.headers, dlq_headers::kSourceTopic);
        if (source_topic == nullptr || *source_topic != topic ||
            NumericHeader<int32_t>(record, dlq_headers::kSourcePartition, -1) != partition) {
          return true;
        }
        const int64_t source_offset =
            NumericHeader<int64_t>(record, dlq_headers::kSourceOffset, -1);
        if (source_offset < quarantine.first_offset || source_offset >= h0) return true;
        LetterPosition letter{record.partition, record.offset, source_offset};
        absl::StatusOr<v1::Task> task = DecodeTask(record.value);
        if (task.ok()) {
          letters.push_back(letter);
        } else {
          undecodable.push_back(letter);
          if (named_undecodable.size() < kMaxNamedUndecodable) {
            named_undecodable.push_back(absl::StrCat(record.partition, ":", record.offset, " (",
                                                     task.status().message(), ")"));
          }
        }
        return true;
      });
  if (scanned.status().code() == absl::StatusCode::kNotFound) {
    return absl::NotFoundError(absl::StrCat("dead-letter topic ", dlq, " does not exist"));
  }
  if (!scanned.ok()) return scanned.status();
  if (!scanned->at_end) {
    return absl::UnavailableError(absl::StrCat(
        "the scan of ", dlq, " did not reach its end before the deadline (", scanned->visited,
        " letters read); nothing was redriven: retry with a longer deadline (ingestctl "
        "--timeout)"));
  }
  // The worker may dead-letter a record twice (a crash before it committed):
  // one letter per source offset, the first.
  const auto by_source = [](const LetterPosition& a, const LetterPosition& b) {
    return std::tie(a.source_offset, a.dlq_partition, a.dlq_offset) <
           std::tie(b.source_offset, b.dlq_partition, b.dlq_offset);
  };
  std::sort(letters.begin(), letters.end(), by_source);
  std::sort(undecodable.begin(), undecodable.end(), by_source);
  std::set<int64_t> undecodable_offsets;
  for (const LetterPosition& letter : undecodable) undecodable_offsets.insert(letter.source_offset);
  // A source offset with a decodable letter is carried even if another
  // letter of it did not decode.
  std::set<int64_t> carried;
  letters.erase(std::remove_if(letters.begin(), letters.end(),
                               [&](const LetterPosition& letter) {
                                 return !carried.insert(letter.source_offset).second;
                               }),
                letters.end());
  for (int64_t offset : carried) undecodable_offsets.erase(offset);
  const int skipped = static_cast<int>(undecodable_offsets.size());
  if (skipped > 0 && !request.skip_undecodable()) {
    return absl::FailedPreconditionError(absl::StrCat(
        skipped, " dead letters of session ", session, " do not decode, e.g. ",
        absl::StrJoin(named_undecodable, ", "),
        ": deploy a build that decodes them, or pass --skip_undecodable to leave them in the "
        "DLQ"));
  }
  if (letters.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no ", skipped > 0 ? "decodable " : "", "dead letter of session ", session, " from ",
        topic, "/", partition, " offsets ", quarantine.first_offset, "..", h0 - 1,
        " is in ", dlq, " (deleted by retention?); nothing to redrive"));
  }

  v1::RedriveSessionResponse response;
  response.set_redriven(static_cast<int32_t>(letters.size()));
  response.set_skipped_undecodable(skipped);
  response.set_first_partition(partition);
  response.set_scanned_through(h0);
  response.set_quarantine_lifted(false);
  if (request.dry_run()) {
    response.set_first_offset(-1);
    response.set_last_offset(-1);
    return response;
  }

  const std::string id = NewOperationId("rd");
  ASSIGN_OR_RETURN(bool marked,
                   quarantines_->MarkRedrive(topic, session, quarantine.first_offset, id));
  if (!marked) {
    return absl::AbortedError(absl::StrCat("the quarantine of session ", session,
                                           " changed while redriving; run the redrive again"));
  }
  for (const LetterPosition& letter : undecodable) {
    if (!undecodable_offsets.contains(letter.source_offset)) continue;
    log::Warn("broker_proxy.redrive_skipped_undecodable",
              {{"redrive_id", id},
               {"session", session},
               {"dlq", absl::StrCat(letter.dlq_partition, ":", letter.dlq_offset)},
               {"source_offset", letter.source_offset}});
  }

  // Pass 2: read each letter again and produce it, in source-offset order,
  // to partition P. Other partitions start at their end (from pass 1).
  DeliveryTracker deliveries(*producer_, options_.max_in_flight_bytes);
  absl::Status failed;
  size_t next = 0;
  while (next < letters.size() && failed.ok()) {
    std::map<int32_t, int64_t> from = scanned->next;
    std::map<int32_t, int64_t> starts;
    for (size_t i = next; i < letters.size(); ++i) {
      auto [it, added] = starts.emplace(letters[i].dlq_partition, letters[i].dlq_offset);
      if (!added) it->second = std::min(it->second, letters[i].dlq_offset);
    }
    for (const auto& [p, offset] : starts) from[p] = offset;
    const size_t before = next;
    absl::StatusOr<TopicScanEnd> reread =
        dead_letters_->Scan(dlq, from, deadline, [&](const TopicRecord& record) {
          const LetterPosition& want = letters[next];
          if (record.partition != want.dlq_partition || record.offset != want.dlq_offset) {
            return true;
          }
          if (record.key != session) {
            failed = absl::DataLossError(absl::StrCat("dead letter ", record.partition, ":",
                                                      record.offset, " is no longer session ",
                                                      session, "'s"));
            return false;
          }
          RecordHeaders headers = {
              {redrive_headers::kRedriveId, id},
              {redrive_headers::kScannedThrough, absl::StrCat(h0)},
              {redrive_headers::kFromDeadLetter,
               absl::StrCat(record.partition, ":", record.offset)}};
          if (next + 1 == letters.size()) headers.emplace_back(redrive_headers::kLast, "1");
          // Letters from before first-position headers name their source.
          AppendFirstPosition(FirstPositionOf(record.headers, {partition, want.source_offset}),
                              headers);
          failed = deliveries.Produce(topic, partition, record.key, record.value,
                                      std::move(headers), deadline);
          if (!failed.ok()) return false;
          ++next;
          return next < letters.size();
        });
    if (!reread.ok()) {
      failed = reread.status();
    } else if (failed.ok() && next < letters.size()) {
      if (!reread->at_end) {
        failed = absl::DeadlineExceededError(
            absl::StrCat("the deadline passed re-reading ", dlq));
      } else if (next == before) {
        failed = absl::DataLossError(absl::StrCat(
            "dead letter ", letters[next].dlq_partition, ":", letters[next].dlq_offset, " of ",
            dlq, " is gone (deleted by retention?)"));
      }
      // Else letters were out of order in the DLQ: read again from the next.
    }
  }
  absl::Status delivered = deliveries.Wait(deadline);
  if (failed.ok()) failed = delivered;
  if (!failed.ok()) {
    const int k = deliveries.delivered();
    log::Warn("broker_proxy.redrive_stopped",
              {{"operator", operator_id},
               {"session", session},
               {"topic", topic},
               {"redrive_id", id},
               {"delivered", k},
               {"letters", static_cast<int64_t>(letters.size())},
               {"error", std::string(failed.message())}});
    return absl::UnavailableError(absl::StrCat(
        "redrive ", id, " of session ", session, " stopped after ", k, " of ", letters.size(),
        " records: ", failed.message(),
        "; run the redrive again (stored rows are keyed, so records already redriven are "
        "no-ops)"));
  }
  response.set_redrive_id(id);
  response.set_first_offset(deliveries.first().offset);
  response.set_last_offset(deliveries.last().offset);
  log::Info("broker_proxy.session_redriven",
            {{"operator", operator_id},
             {"session", session},
             {"topic", topic},
             {"partition", partition},
             {"redrive_id", id},
             {"redriven", response.redriven()},
             {"skipped_undecodable", skipped},
             {"scanned_through", h0}});
  return response;
}

absl::StatusOr<v1::ReplaySessionResponse> BrokerProxyCore::ReplaySession(
    const v1::ReplaySessionRequest& request, const std::string& operator_id,
    absl::Time deadline) {
  const std::string& session = request.session_id();
  const std::string topic = request.topic().empty() ? options_.default_topic : request.topic();
  RETURN_IF_ERROR(ValidateSessionIdShape(session));
  RETURN_IF_ERROR(ValidateTopicName(topic));
  if (request.from_offset() < 0 || request.to_offset() < 0 || request.from_unix_ms() < 0 ||
      request.to_unix_ms() < 0) {
    return absl::InvalidArgumentError("offsets and times must not be negative (0 = unbounded)");
  }
  const bool by_offset = request.from_offset() > 0 || request.to_offset() > 0;
  const bool by_time = request.from_unix_ms() > 0 || request.to_unix_ms() > 0;
  if (by_offset && by_time) {
    return absl::InvalidArgumentError("give an offset range or a time range, not both");
  }
  if (request.to_offset() > 0 && request.to_offset() < request.from_offset()) {
    return absl::InvalidArgumentError("to_offset is before from_offset");
  }
  if (request.to_unix_ms() > 0 && request.to_unix_ms() < request.from_unix_ms()) {
    return absl::InvalidArgumentError("to_unix_ms is before from_unix_ms");
  }
  if (quarantines_ == nullptr) {
    return absl::UnavailableError(
        "ReplaySession needs the worker's database (start broker-proxy with --pg_dsn): a "
        "quarantined session must be redriven, not replayed");
  }
  if (dead_letters_ == nullptr) return absl::UnavailableError("broker-proxy has no topic reader");
  if (producer_ == nullptr && !request.dry_run()) {
    return absl::UnavailableError("broker-proxy has no Kafka producer to replay with");
  }
  absl::StatusOr<std::optional<Quarantine>> quarantine =
      quarantines_->ReadQuarantine(topic, session);
  if (!quarantine.ok()) return quarantine.status();
  if (quarantine->has_value()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "session ", session, " is quarantined in ", topic, " (partition ",
        (*quarantine)->partition, ", since offset ", (*quarantine)->first_offset,
        "): redrive it instead (ingestctl dlq redrive ", session,
        "): its records would follow the quarantine to the DLQ"));
  }

  ASSIGN_OR_RETURN(std::vector<PartitionWatermarks> marks, Watermarks(topic));
  std::vector<int32_t> ids;
  for (const PartitionWatermarks& m : marks) ids.push_back(m.partition);
  std::map<int32_t, int64_t> from_time;
  std::map<int32_t, int64_t> to_time;  // exclusive
  if (request.from_unix_ms() > 0) {
    ASSIGN_OR_RETURN(auto found, admin_.OffsetsForTime(
                                     topic, ids, absl::FromUnixMillis(request.from_unix_ms())));
    from_time = std::move(found);
  }
  if (request.to_unix_ms() > 0) {
    ASSIGN_OR_RETURN(auto found, admin_.OffsetsForTime(
                                     topic, ids, absl::FromUnixMillis(request.to_unix_ms() + 1)));
    to_time = std::move(found);
  }
  // Per partition, [start, end) to read; `from` for the scan. Ends are at
  // most the high watermarks now: the replay never reads its own records.
  std::map<int32_t, int64_t> ends;
  std::map<int32_t, int64_t> from;
  std::set<int32_t> pending;
  for (const PartitionWatermarks& m : marks) {
    int64_t start = m.low;
    int64_t end = m.high;
    if (request.from_offset() > 0) start = std::max(start, request.from_offset());
    if (request.to_offset() > 0) end = std::min(end, request.to_offset() + 1);
    if (request.from_unix_ms() > 0) {
      auto it = from_time.find(m.partition);
      // No record that recent: nothing to read in it.
      start = it != from_time.end() && it->second >= 0 ? std::max(start, it->second) : end;
    }
    if (request.to_unix_ms() > 0) {
      auto it = to_time.find(m.partition);
      if (it != to_time.end() && it->second >= 0) end = std::min(end, it->second);
    }
    ends[m.partition] = end;
    if (start < end) {
      from[m.partition] = start;
      pending.insert(m.partition);
    } else {
      from[m.partition] = m.high;
    }
  }

  v1::ReplaySessionResponse response;
  response.set_partition(-1);
  const std::string id = request.dry_run() ? "" : NewOperationId("rp");
  std::optional<DeliveryTracker> deliveries;
  if (!request.dry_run()) deliveries.emplace(*producer_, options_.max_in_flight_bytes);
  std::map<int32_t, int64_t> reached = from;
  std::set<int32_t> partitions_found;
  absl::Status failed;
  if (!pending.empty()) {
    absl::StatusOr<TopicScanEnd> scanned =
        dead_letters_->Scan(topic, from, deadline, [&](const TopicRecord& record) {
          if (!pending.contains(record.partition)) return true;
          const int64_t end = ends[record.partition];
          if (record.offset >= end) {
            pending.erase(record.partition);
            return !pending.empty();
          }
          reached[record.partition] = record.offset + 1;
          if (record.key == session) {
            response.set_records_found(response.records_found() + 1);
            if (response.partition() < 0) response.set_partition(record.partition);
            partitions_found.insert(record.partition);
            if (deliveries.has_value()) {
              RecordHeaders headers = {{redrive_headers::kReplayId, id}};
              AppendFirstPosition(
                  FirstPositionOf(record.headers, {record.partition, record.offset}), headers);
              failed = deliveries->Produce(topic, record.partition, record.key, record.value,
                                           std::move(headers), deadline);
              if (!failed.ok()) return false;
            }
          }
          if (record.offset + 1 >= end) pending.erase(record.partition);
          return !pending.empty();
        });
    if (scanned.status().code() == absl::StatusCode::kNotFound) {
      return absl::NotFoundError(absl::StrCat("topic ", topic, " does not exist"));
    }
    if (!scanned.ok()) {
      failed = scanned.status();
    } else if (failed.ok() && !pending.empty() && !scanned->at_end) {
      std::vector<std::string> progress;
      for (int32_t p : pending) {
        absl::StrAppend(&progress.emplace_back(), p, " at offset ", reached[p], " of ", ends[p]);
      }
      const int replayed = deliveries.has_value() ? deliveries->delivered() : 0;
      return absl::UnavailableError(absl::StrCat(
          "the range of ", topic, " was not read before the deadline (partition ",
          absl::StrJoin(progress, ", partition "), "); ", response.records_found(),
          " records of session ", session, " found so far",
          request.dry_run() ? "" : absl::StrCat(", ", replayed, " replayed (replay ", id, ")"),
          ": narrow the range, or allow a longer deadline (ingestctl --timeout)"));
    }
  }
  if (deliveries.has_value()) {
    absl::Status delivered = deliveries->Wait(deadline);
    if (failed.ok()) failed = delivered;
    response.set_records_replayed(deliveries->delivered());
    response.set_replay_id(id);
  }
  if (!failed.ok()) {
    return absl::UnavailableError(absl::StrCat(
        "replay ", id, " of session ", session, " stopped after ", response.records_replayed(),
        " of ", response.records_found(), " records found: ", failed.message(),
        "; run it again (replays are no-ops for what is stored)"));
  }
  if (partitions_found.size() > 1) {
    log::Warn("broker_proxy.replay_many_partitions",
              {{"session", session},
               {"partitions", absl::StrJoin(partitions_found, ",")}});
  }
  if (!request.dry_run()) {
    log::Info("broker_proxy.session_replayed",
              {{"operator", operator_id},
               {"session", session},
               {"topic", topic},
               {"partition", response.partition()},
               {"replay_id", id},
               {"found", response.records_found()},
               {"replayed", response.records_replayed()}});
  }
  return response;
}

}  // namespace ingest
