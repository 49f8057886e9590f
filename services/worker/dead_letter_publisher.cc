#include "services/worker/dead_letter_publisher.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "services/common/kafka/dead_letter_headers.h"
#include "services/common/kafka/first_position.h"

namespace ingest {
namespace {

// Acknowledgements still owed for one Publish call. Shared with the delivery
// callbacks, which may outlive a Publish that timed out.
struct PendingAcks {
  absl::Mutex mu;
  int outstanding ABSL_GUARDED_BY(mu) = 0;
  absl::Status first_error ABSL_GUARDED_BY(mu);
};

}  // namespace

RecordHeaders DeadLetterHeaders(const DeadLetter& letter, const std::string& source_topic,
                                absl::Time now) {
  RecordHeaders headers = {
      {dlq_headers::kReason, std::string(DeadLetterReasonName(letter.reason))},
      {dlq_headers::kDetail, letter.detail},
      {dlq_headers::kSourceTopic, source_topic},
      {dlq_headers::kSourcePartition, absl::StrCat(letter.partition)},
      {dlq_headers::kSourceOffset, absl::StrCat(letter.offset)},
      {dlq_headers::kDeadLetteredAtMs, absl::StrCat(absl::ToUnixMillis(now))},
  };
  if (!letter.session_id.empty()) headers.emplace_back(dlq_headers::kSessionId, letter.session_id);
  if (!letter.project_id.empty()) headers.emplace_back(dlq_headers::kProjectId, letter.project_id);
  AppendFirstPosition(letter.first.Or({letter.partition, letter.offset}), headers);
  return headers;
}

DeadLetterPublisher::DeadLetterPublisher(Producer& producer, std::string dlq_topic,
                                         std::string source_topic, absl::Duration timeout)
    : producer_(producer),
      dlq_topic_(std::move(dlq_topic)),
      source_topic_(std::move(source_topic)),
      timeout_(timeout) {}

// Every failure is UNAVAILABLE: whatever Kafka said (even "too large" for the
// DLQ topic), the batch must be retried after the operator acts, never have
// its records judged poison.
absl::Status DeadLetterPublisher::Unpublished(const absl::Status& cause) const {
  return absl::UnavailableError(absl::StrCat("dead-letter to ", dlq_topic_, " failed (",
                                             absl::StatusCodeToString(cause.code()), "): ",
                                             cause.message()));
}

absl::Status DeadLetterPublisher::Publish(absl::Span<const DeadLetter> letters) {
  if (letters.empty()) return absl::OkStatus();
  auto pending = std::make_shared<PendingAcks>();
  const absl::Time now = absl::Now();
  for (const DeadLetter& letter : letters) {
    {
      absl::MutexLock lock(&pending->mu);
      ++pending->outstanding;
    }
    absl::Status status = producer_.ProduceWithHeaders(
        dlq_topic_, letter.key, letter.value, DeadLetterHeaders(letter, source_topic_, now),
        [pending](absl::StatusOr<RecordPosition> delivered) {
          absl::MutexLock lock(&pending->mu);
          --pending->outstanding;
          if (!delivered.ok() && pending->first_error.ok()) {
            pending->first_error = delivered.status();
          }
        });
    if (!status.ok()) {
      absl::MutexLock lock(&pending->mu);
      --pending->outstanding;
      return Unpublished(status);
    }
  }
  absl::MutexLock lock(&pending->mu);
  auto all_acknowledged = [&pending]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(pending->mu) {
    return pending->outstanding == 0;
  };
  if (!pending->mu.AwaitWithTimeout(absl::Condition(&all_acknowledged), timeout_)) {
    return absl::UnavailableError(
        absl::StrCat(pending->outstanding, " dead letter(s) not acknowledged by ", dlq_topic_,
                     " within ", absl::FormatDuration(timeout_), "; is Kafka reachable?"));
  }
  if (!pending->first_error.ok()) return Unpublished(pending->first_error);
  return absl::OkStatus();
}

}  // namespace ingest
