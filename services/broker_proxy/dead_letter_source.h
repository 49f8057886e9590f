#pragma once

// DeadLetterSource: reads a dead-letter topic record by record, resuming
// each partition from a given offset (ListDeadLetters). An interface so the
// core is tested without Kafka; the librdkafka implementation is a thin
// wrapper of ScanTopic (services/common/kafka/topic_reader.h).

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/kafka/record_headers.h"
#include "services/common/kafka/topic_reader.h"

namespace ingest {

class DeadLetterSource {
 public:
  virtual ~DeadLetterSource() = default;

  // Hands `topic`'s records to `visit` (each partition in offset order, from
  // `from[p]`, or its log start when absent) until `visit` returns false,
  // every partition reached its end, or `deadline` passed; see ScanTopic for
  // the contract. NOT_FOUND for a missing topic, UNAVAILABLE when Kafka does
  // not answer.
  virtual absl::StatusOr<TopicScanEnd> Scan(const std::string& topic,
                                            const std::map<int32_t, int64_t>& from,
                                            absl::Time deadline,
                                            absl::FunctionRef<bool(const TopicRecord&)> visit) = 0;
};

// Header `name` as a number; `otherwise` when absent or not a number.
template <typename T>
T NumericHeader(const TopicRecord& record, absl::string_view name, T otherwise) {
  const std::string* text = FindHeader(record.headers, name);
  T value{};
  return text != nullptr && absl::SimpleAtoi(*text, &value) ? value : otherwise;
}


// One short-lived consumer per Scan, outside any group. Thread-safe.
std::unique_ptr<DeadLetterSource> CreateKafkaDeadLetterSource(std::string bootstrap_servers);

}  // namespace ingest
