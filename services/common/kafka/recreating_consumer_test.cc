#include "services/common/kafka/recreating_consumer.h"

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/common/status/kafka_status.h"

namespace ingest {
namespace {

// The clients the factory made, in order; a test drives them directly.
struct FakeClient : Consumer {
  absl::Status Subscribe(RebalanceListener* l) override {
    listener = l;
    return absl::OkStatus();
  }
  std::optional<ConsumedRecord> Poll(absl::Duration) override {
    if (records.empty()) return std::nullopt;
    ConsumedRecord record = records.front();
    records.pop_front();
    return record;
  }
  void Pause(int32_t) override {}
  void Resume(int32_t) override {}
  void CommitAsync(const PartitionOffsets&) override {}
  void Close() override { closed = true; }
  absl::Status Health() const override { return health; }

  // What librdkafka does when the group assigns partitions.
  void Assign(std::vector<int32_t> partitions) { listener->OnPartitionsAssigned(partitions); }
  void Fence() {
    health = WithKafkaErrorName(absl::FailedPreconditionError("fenced"),
                                RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID);
  }

  RebalanceListener* listener = nullptr;
  std::deque<ConsumedRecord> records;
  absl::Status health;
  bool closed = false;
};

struct RecordingListener : RebalanceListener {
  PartitionOffsets OnPartitionsAssigned(const std::vector<int32_t>& partitions) override {
    assigned.insert(assigned.end(), partitions.begin(), partitions.end());
    return {};
  }
  void OnPartitionsRevoked(const std::vector<int32_t>& partitions) override {
    revoked.insert(revoked.end(), partitions.begin(), partitions.end());
  }
  void OnPartitionsLost(const std::vector<int32_t>& partitions) override {
    lost.insert(lost.end(), partitions.begin(), partitions.end());
  }
  std::vector<int32_t> assigned, revoked, lost;
};

class RecreatingConsumerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RecreatingConsumerOptions options;
    options.budget = {.initial_backoff = absl::Seconds(1),
                      .max_backoff = absl::Seconds(8),
                      .max_failures = 3};
    options.on_recreated = [this](const std::string& reason) { reasons_.push_back(reason); };
    options.now = [this] { return now_; };
    options.sleep = [this](absl::Duration d) { now_ += d; };
    auto consumer = RecreatingConsumer::Create(
        [this]() -> absl::StatusOr<std::unique_ptr<Consumer>> {
          if (!factory_error_.ok()) return factory_error_;
          auto client = std::make_unique<FakeClient>();
          clients_.push_back(client.get());
          return std::unique_ptr<Consumer>(std::move(client));
        },
        std::move(options));
    ASSERT_TRUE(consumer.ok()) << consumer.status();
    consumer_ = *std::move(consumer);
    ASSERT_TRUE(consumer_->Subscribe(&listener_).ok());
  }

  FakeClient& latest() { return *clients_.back(); }

  absl::Time now_ = absl::FromUnixSeconds(1000);
  absl::Status factory_error_;
  std::vector<FakeClient*> clients_;  // owned by consumer_ (only the latest is alive)
  std::vector<std::string> reasons_;
  RecordingListener listener_;
  std::unique_ptr<RecreatingConsumer> consumer_;
};

TEST_F(RecreatingConsumerTest, AFencedClientIsReplacedAndItsPartitionsReportedLost) {
  latest().Assign({0, 2});
  latest().Fence();
  EXPECT_EQ(consumer_->Poll(absl::Milliseconds(100)), std::nullopt);

  EXPECT_EQ(listener_.lost, (std::vector<int32_t>{0, 2}));
  EXPECT_TRUE(listener_.revoked.empty());
  ASSERT_EQ(clients_.size(), 2u);
  EXPECT_NE(latest().listener, nullptr) << "the new client is subscribed";
  EXPECT_EQ(reasons_, (std::vector<std::string>{"FENCED_INSTANCE_ID"}));
  EXPECT_EQ(consumer_->recreations(), 1);
  EXPECT_TRUE(consumer_->Health().ok());
  EXPECT_TRUE(consumer_->Liveness().ok()) << "one replacement is routine";

  // The new client's records flow through, and its assignment reaches the listener.
  latest().Assign({0, 2});
  latest().records.push_back({.partition = 0, .offset = 7});
  std::optional<ConsumedRecord> record = consumer_->Poll(absl::ZeroDuration());
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->offset, 7);
  EXPECT_EQ(listener_.assigned, (std::vector<int32_t>{0, 2, 0, 2}));
}

TEST_F(RecreatingConsumerTest, RevokedPartitionsAreNotReportedLostLater) {
  latest().Assign({0, 1});
  latest().listener->OnPartitionsRevoked({1});
  latest().Fence();
  consumer_->Poll(absl::ZeroDuration());
  EXPECT_EQ(listener_.revoked, (std::vector<int32_t>{1}));
  EXPECT_EQ(listener_.lost, (std::vector<int32_t>{0}));
}

TEST_F(RecreatingConsumerTest, ReplacementsThatFailAgainBackOffThenGiveUp) {
  latest().Fence();
  consumer_->Poll(absl::ZeroDuration());  // replaced at once
  ASSERT_EQ(clients_.size(), 2u);

  latest().Fence();  // fails again before joining: the next one waits 1 s
  const absl::Time failed_at = now_;
  consumer_->Poll(absl::ZeroDuration());
  EXPECT_EQ(clients_.size(), 2u) << "no client may be created during the backoff";
  EXPECT_FALSE(consumer_->Liveness().ok()) << "two failures in a row fail the probe";
  EXPECT_TRUE(consumer_->Health().ok()) << "but the consumer has not given up";
  consumer_->Poll(absl::Seconds(5));  // sleeps out the backoff
  EXPECT_EQ(now_, failed_at + absl::Seconds(1));
  consumer_->Poll(absl::ZeroDuration());
  ASSERT_EQ(clients_.size(), 3u);

  latest().Fence();
  consumer_->Poll(absl::ZeroDuration());
  EXPECT_EQ(consumer_->Health().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(consumer_->Health().message().find("failed 3 times in a row"), std::string::npos)
      << consumer_->Health();
  now_ += absl::Hours(1);
  consumer_->Poll(absl::ZeroDuration());
  EXPECT_EQ(clients_.size(), 3u) << "no replacement after giving up";
}

TEST_F(RecreatingConsumerTest, JoiningTheGroupResetsTheFailureCount) {
  latest().Fence();
  consumer_->Poll(absl::ZeroDuration());
  latest().Fence();
  consumer_->Poll(absl::ZeroDuration());
  now_ += absl::Seconds(1);
  consumer_->Poll(absl::ZeroDuration());
  ASSERT_EQ(clients_.size(), 3u);
  EXPECT_FALSE(consumer_->Liveness().ok());

  latest().Assign({3});
  EXPECT_TRUE(consumer_->Liveness().ok());
  latest().Fence();
  consumer_->Poll(absl::ZeroDuration());
  EXPECT_EQ(clients_.size(), 4u) << "the first failure after joining is replaced at once";
  EXPECT_TRUE(consumer_->Health().ok());
}

TEST_F(RecreatingConsumerTest, AClientThatCannotBeCreatedCountsAsAFailure) {
  latest().Fence();
  factory_error_ = absl::InvalidArgumentError("bad config");
  consumer_->Poll(absl::ZeroDuration());
  EXPECT_EQ(clients_.size(), 1u);
  EXPECT_FALSE(consumer_->Liveness().ok());
  factory_error_ = absl::OkStatus();
  now_ += absl::Seconds(1);
  consumer_->Poll(absl::ZeroDuration());
  EXPECT_EQ(clients_.size(), 2u);
}

TEST_F(RecreatingConsumerTest, NoReplacementAfterClose) {
  consumer_->Close();
  EXPECT_TRUE(latest().closed);
  latest().Fence();
  consumer_->Poll(absl::ZeroDuration());
  EXPECT_EQ(clients_.size(), 1u);
}

}  // namespace
}  // namespace ingest
