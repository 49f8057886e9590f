#include "services/common/kafka/sharded_producer.h"

#include <map>

#include "gtest/gtest.h"

namespace ingest {
namespace {

// Records which keys reached it; acknowledges at once.
class RecordingProducer : public Producer {
 public:
  absl::Status Produce(absl::string_view, std::string key, std::string value,
                       DeliveryCallback on_delivery) override {
    keys.push_back(key);
    values.push_back(value);
    std::move(on_delivery)(RecordPosition{0, static_cast<int64_t>(values.size() - 1)});
    return absl::OkStatus();
  }
  absl::Status Flush(absl::Duration) override { return absl::OkStatus(); }
  absl::Status CheckReachable(absl::string_view, absl::Duration) override { return reachable; }

  std::vector<std::string> keys;
  std::vector<std::string> values;
  absl::Status reachable = absl::OkStatus();
};

struct Shards {
  explicit Shards(int n) {
    std::vector<std::unique_ptr<Producer>> owned;
    for (int i = 0; i < n; ++i) {
      auto shard = std::make_unique<RecordingProducer>();
      raw.push_back(shard.get());
      owned.push_back(std::move(shard));
    }
    producer = std::make_unique<ShardedProducer>(std::move(owned));
  }
  std::vector<RecordingProducer*> raw;
  std::unique_ptr<ShardedProducer> producer;
};

TEST(ShardedProducerTest, EveryRecordOfAKeyGoesToOneShardInOrder) {
  Shards shards(3);
  for (int i = 0; i < 50; ++i) {
    for (const char* key : {"session-a", "session-b", "session-c", "session-d"}) {
      ASSERT_TRUE(shards.producer
                      ->Produce("t", key, std::string(key) + "#" + std::to_string(i),
                                [](absl::StatusOr<RecordPosition>) {})
                      .ok());
    }
  }
  std::map<std::string, int> shard_of_key;
  for (int s = 0; s < 3; ++s) {
    std::map<std::string, int> next;
    for (size_t r = 0; r < shards.raw[s]->keys.size(); ++r) {
      const std::string& key = shards.raw[s]->keys[r];
      auto [it, inserted] = shard_of_key.emplace(key, s);
      EXPECT_EQ(it->second, s) << key << " reached two shards";
      EXPECT_EQ(shards.raw[s]->values[r], key + "#" + std::to_string(next[key]++))
          << "order within a key is kept";
    }
  }
  EXPECT_EQ(shard_of_key.size(), 4u);
}

TEST(ShardedProducerTest, KeysSpreadOverShards) {
  Shards shards(2);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(shards.producer->Produce("t", "s" + std::to_string(i), "v",
                                         [](absl::StatusOr<RecordPosition>) {}).ok());
  }
  EXPECT_GT(shards.raw[0]->keys.size(), 400u);
  EXPECT_GT(shards.raw[1]->keys.size(), 400u);
}

TEST(ShardedProducerTest, UnreachableIfAnyShardIs) {
  Shards shards(2);
  EXPECT_TRUE(shards.producer->CheckReachable("t", absl::Seconds(1)).ok());
  shards.raw[1]->reachable = absl::UnavailableError("down");
  EXPECT_EQ(shards.producer->CheckReachable("t", absl::Seconds(1)).code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace ingest
