#include "tools/chaos/loss_cause.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace ingest::chaos {

void TopicPayloads::Add(const loadgen::PayloadKey& key, uint32_t chunk_index,
                        uint32_t chunk_count) {
  Chunks& chunks = payloads_[key];
  chunks.count = chunk_count;
  chunks.seen.insert(chunk_index);
}

bool TopicPayloads::Complete(const loadgen::PayloadKey& key) const {
  const auto it = payloads_.find(key);
  if (it == payloads_.end()) return false;
  for (uint32_t chunk = 0; chunk < std::max<uint32_t>(it->second.count, 1); ++chunk) {
    if (!it->second.seen.contains(chunk)) return false;
  }
  return true;
}

bool TopicPayloads::Seen(const loadgen::PayloadKey& key) const { return payloads_.contains(key); }

LossCauses ClassifyLoss(absl::Span<const loadgen::PayloadKey> missing,
                        const TopicPayloads& in_topic) {
  LossCauses causes;
  for (const loadgen::PayloadKey& key : missing) {
    const std::string name = absl::StrCat("session ", key.session_id, " payload ", key.payload_id);
    std::string example;
    if (in_topic.Complete(key)) {
      ++causes.stalled;
      example = absl::StrCat("stalled: ", name, " is in Kafka but has no row");
    } else {
      ++causes.absent_from_kafka;
      example = absl::StrCat("absent from Kafka: ", name,
                             in_topic.Seen(key) ? " (only some of its chunks are in the topic)"
                                                : " is not in the topic");
    }
    if (causes.examples.size() < LossCauses::kMaxExamples) {
      causes.examples.push_back(std::move(example));
    }
  }
  return causes;
}

}  // namespace ingest::chaos
