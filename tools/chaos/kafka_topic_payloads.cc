#include "tools/chaos/kafka_topic_payloads.h"

#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/codec/task_codec.h"
#include "services/common/kafka/topic_reader.h"

namespace ingest::chaos {
namespace {

class KafkaTopicPayloads final : public TopicPayloadSource {
 public:
  KafkaTopicPayloads(std::string bootstrap_servers, std::string topic, absl::Duration timeout)
      : bootstrap_servers_(std::move(bootstrap_servers)),
        topic_(std::move(topic)),
        timeout_(timeout) {}

  absl::StatusOr<TopicPayloads> Find(absl::Span<const loadgen::PayloadKey> wanted) override {
    const absl::flat_hash_set<loadgen::PayloadKey> keys(wanted.begin(), wanted.end());
    absl::flat_hash_set<std::string> sessions;
    for (const loadgen::PayloadKey& key : wanted) sessions.insert(key.session_id);

    TopicPayloads found;
    const absl::StatusOr<TopicScanEnd> end =
        ScanTopic(bootstrap_servers_, topic_, /*from=*/{}, absl::Now() + timeout_,
                  [&](const TopicRecord& record) {
                    // The key is the session id: most records are skipped undecoded.
                    if (!sessions.contains(record.key)) return true;
                    absl::StatusOr<v1::Task> task = DecodeTask(record.value);
                    if (!task.ok() || task->type() != v1::TASK_TYPE_PUSH_PAYLOAD) return true;
                    loadgen::PayloadKey key{task->session_id(), task->payload_id()};
                    if (keys.contains(key))
                      found.Add(key, task->chunk_index(), task->chunk_count());
                    return true;
                  });
    if (!end.ok()) return end.status();
    if (!end->at_end) {
      return absl::DeadlineExceededError(absl::StrCat("read ", end->visited, " records of ", topic_,
                                                      " but not to the end of every partition "
                                                      "within ",
                                                      absl::FormatDuration(timeout_)));
    }
    return found;
  }

 private:
  const std::string bootstrap_servers_;
  const std::string topic_;
  const absl::Duration timeout_;
};

}  // namespace

std::unique_ptr<TopicPayloadSource> CreateKafkaTopicPayloads(const std::string& bootstrap_servers,
                                                             const std::string& topic,
                                                             absl::Duration timeout) {
  return std::make_unique<KafkaTopicPayloads>(bootstrap_servers, topic, timeout);
}

}  // namespace ingest::chaos
