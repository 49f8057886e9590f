#pragma once

// Why acknowledged payloads are missing from PostgreSQL: either Kafka never
// kept them (true loss: the gateway acknowledged what was not durable) or
// they are in the topic and the workers did not persist them by the end
// (stalled). Reading the topic tells the two apart; the reading is behind
// TopicPayloadSource so the classification is tested without Kafka.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "tools/loadgen/ledger.h"
#include "tools/loadgen/stored_rows.h"

namespace ingest::chaos {

// The payload records of a topic, for a set of payloads asked about.
class TopicPayloads {
 public:
  // One record of a payload: chunk `chunk_index` of `chunk_count`.
  void Add(const loadgen::PayloadKey& key, uint32_t chunk_index, uint32_t chunk_count);

  // Every chunk of the payload is in the topic (a unary payload: its one record).
  bool Complete(const loadgen::PayloadKey& key) const;

  // Some chunk of the payload is in the topic.
  bool Seen(const loadgen::PayloadKey& key) const;

 private:
  struct Chunks {
    uint32_t count = 0;
    absl::flat_hash_set<uint32_t> seen;
  };
  absl::flat_hash_map<loadgen::PayloadKey, Chunks> payloads_;
};

// Reads which of some payloads a topic holds. Used from one thread.
class TopicPayloadSource {
 public:
  virtual ~TopicPayloadSource() = default;
  // The records of `wanted` found in the whole topic (others are skipped).
  // Fails if the topic cannot be read to its end.
  virtual absl::StatusOr<TopicPayloads> Find(absl::Span<const loadgen::PayloadKey> wanted) = 0;
};

// The split of the missing payloads.
struct LossCauses {
  // Not in the topic, or only some of its chunks: Kafka lost what the
  // gateway acknowledged.
  int64_t absent_from_kafka = 0;
  // Wholly in the topic but without a row at the end: not consumed or not
  // persisted.
  int64_t stalled = 0;
  // A readable line for each of the first kMaxExamples payloads.
  std::vector<std::string> examples;

  static constexpr size_t kMaxExamples = 10;
};

LossCauses ClassifyLoss(absl::Span<const loadgen::PayloadKey> missing,
                        const TopicPayloads& in_topic);

}  // namespace ingest::chaos
