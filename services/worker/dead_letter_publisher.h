#pragma once

// DeadLetterPublisher: the DeadLetterSink of the worker. Produces each dead
// letter to the DLQ topic with its origin in headers (dead_letter_headers.h)
// and returns only once the broker acknowledged every one, so the batch
// transaction that skips them may commit.
//
// Keyed like the source record (the session id), so a quarantined session's
// records stay in order in one DLQ partition and can be redriven whole.
//
// Thread-safe: writer threads call Publish concurrently.

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "services/common/kafka/producer.h"
#include "services/worker/store/task_store.h"

namespace ingest {

class DeadLetterPublisher {
 public:
  // `producer` must outlive the publisher.
  DeadLetterPublisher(Producer& producer, std::string dlq_topic, std::string source_topic,
                      absl::Duration timeout);

  // Produces `letters` in order and waits (at most the timeout) for all
  // acknowledgements. Any failure is UNAVAILABLE: the caller rolls back and
  // retries the batch.
  absl::Status Publish(absl::Span<const DeadLetter> letters);

  const std::string& topic() const { return dlq_topic_; }

 private:
  absl::Status Unpublished(const absl::Status& cause) const;

  Producer& producer_;
  const std::string dlq_topic_;
  const std::string source_topic_;
  const absl::Duration timeout_;
};

// The headers of `letter` (exposed for tests and for broker-proxy's docs).
RecordHeaders DeadLetterHeaders(const DeadLetter& letter, const std::string& source_topic,
                                absl::Time now);

}  // namespace ingest
