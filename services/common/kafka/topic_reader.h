#pragma once

// Reading a whole topic from its beginning with record headers: for the
// dead-letter topic (fault tests, and broker-proxy's DLQ browsing later).
// Bounded by a record count and a deadline; not for the hot path.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/kafka/record_headers.h"

namespace ingest {

struct TopicRecord {
  int32_t partition = -1;
  int64_t offset = -1;
  std::string key;
  std::string value;
  RecordHeaders headers;

  // The last value of header `name`, or "<absent>".
  std::string Header(absl::string_view name) const;
};

struct ReadTopicOptions {
  // Keep reading until at least this many records arrived and every
  // partition reported its end...
  size_t at_least = 0;
  // ...or this much time passed (then the records read so far are returned).
  absl::Duration timeout = absl::Seconds(30);
  // At most this many records are kept (bounded memory).
  size_t max_records = 100000;
};

// Every record of `topic`, all partitions from the beginning, each
// partition's records in offset order. Fails only if the topic cannot be
// described or the client cannot be created.
absl::StatusOr<std::vector<TopicRecord>> ReadTopicFromStart(const std::string& bootstrap_servers,
                                                            const std::string& topic,
                                                            const ReadTopicOptions& options);

// Where a ScanTopic stopped.
struct TopicScanEnd {
  // partition -> the next offset to read: one past the last record handed
  // to `visit`, else where the scan of that partition started (its `from`,
  // or the log start as -2 = RD_KAFKA_OFFSET_BEGINNING). Every partition of
  // the topic is present.
  std::map<int32_t, int64_t> next;
  // Every partition reached its end (nothing left after `next`).
  bool at_end = false;
  // `visit` asked to stop.
  bool stopped = false;
  // Records handed to `visit`.
  size_t visited = 0;
};

// Streams `topic`'s records to `visit`, each partition from `from[p]` (an
// offset; a partition absent from `from`, or an offset below the retained
// log start, reads from the log start), until `visit` returns false, every
// partition reported its end, or `deadline` passed. Holds one record at a
// time (bounded memory, whatever the topic's size). NOT_FOUND if the topic
// does not exist; UNAVAILABLE if it cannot be described in time.
absl::StatusOr<TopicScanEnd> ScanTopic(const std::string& bootstrap_servers,
                                       const std::string& topic,
                                       const std::map<int32_t, int64_t>& from, absl::Time deadline,
                                       absl::FunctionRef<bool(const TopicRecord&)> visit);

}  // namespace ingest
