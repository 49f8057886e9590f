#include "services/common/kafka/recreating_producer.h"

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/common/status/kafka_status.h"

namespace ingest {
namespace {

// Delivers every record at once unless failed; fails what it holds when it
// is destroyed (as RdKafkaProducer does).
struct FakeClient : Producer {
  ~FakeClient() override {
    for (DeliveryCallback& callback : held) std::move(callback)(absl::UnavailableError("purged"));
  }
  absl::Status Produce(absl::string_view, std::string key, std::string,
                       DeliveryCallback on_delivery) override {
    keys.push_back(key);
    if (hold) {
      held.push_back(std::move(on_delivery));
    } else {
      std::move(on_delivery)(RecordPosition{0, static_cast<int64_t>(keys.size())});
    }
    return absl::OkStatus();
  }
  absl::Status Flush(absl::Duration) override { return absl::OkStatus(); }
  absl::Status CheckReachable(absl::string_view, absl::Duration) override {
    return absl::OkStatus();
  }
  absl::Status Health() const override { return health; }

  void Fail() {
    health = WithKafkaErrorName(absl::FailedPreconditionError("sequence broken"),
                                RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
  }

  std::vector<std::string> keys;
  bool hold = false;
  std::vector<DeliveryCallback> held;
  absl::Status health;
};

class RecreatingProducerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RecreatingProducerOptions options;
    options.what = "the DLQ producer";
    options.budget = {.initial_backoff = absl::Seconds(1),
                      .max_backoff = absl::Seconds(8),
                      .max_failures = 3};
    options.on_recreated = [this](const std::string& reason) { reasons_.push_back(reason); };
    options.now = [this] { return now_; };
    auto producer = RecreatingProducer::Create(
        [this]() -> absl::StatusOr<std::unique_ptr<Producer>> {
          auto client = std::make_unique<FakeClient>();
          client->hold = hold_new_clients_;
          clients_.push_back(client.get());
          return std::unique_ptr<Producer>(std::move(client));
        },
        std::move(options));
    ASSERT_TRUE(producer.ok()) << producer.status();
    producer_ = *std::move(producer);
  }

  // Produces `key` and returns what its callback got.
  absl::Status ProduceAndWait(const std::string& key) {
    absl::Status delivered = absl::UnknownError("no callback");
    absl::Status produced =
        producer_->Produce("t", key, "v", [&](absl::StatusOr<RecordPosition> position) {
          delivered = position.status();
        });
    return produced.ok() ? delivered : produced;
  }

  FakeClient& latest() { return *clients_.back(); }

  absl::Time now_ = absl::FromUnixSeconds(1000);
  bool hold_new_clients_ = false;  // new clients deliver nothing
  std::vector<FakeClient*> clients_;
  std::vector<std::string> reasons_;
  std::unique_ptr<RecreatingProducer> producer_;
};

TEST_F(RecreatingProducerTest, AFailedClientIsReplacedAtTheNextProduce) {
  ASSERT_TRUE(ProduceAndWait("a").ok());
  latest().hold = true;
  absl::Status held_outcome;
  ASSERT_TRUE(producer_
                  ->Produce("t", "b", "v",
                            [&](absl::StatusOr<RecordPosition> p) { held_outcome = p.status(); })
                  .ok());
  latest().Fail();

  ASSERT_TRUE(ProduceAndWait("c").ok());
  ASSERT_EQ(clients_.size(), 2u);
  EXPECT_EQ(latest().keys, (std::vector<std::string>{"c"}));
  EXPECT_EQ(held_outcome.code(), absl::StatusCode::kUnavailable)
      << "what the failed client held fails, so the caller retries it";
  EXPECT_EQ(reasons_, (std::vector<std::string>{"OUT_OF_ORDER_SEQUENCE_NUMBER"}));
  EXPECT_EQ(producer_->recreations(), 1);
  EXPECT_TRUE(producer_->Health().ok());
  EXPECT_TRUE(producer_->Liveness().ok());
}

TEST_F(RecreatingProducerTest, AReplacementThatFailsBeforeDeliveringWaitsThenGivesUp) {
  hold_new_clients_ = true;
  latest().Fail();
  ASSERT_EQ(ProduceAndWait("a").code(), absl::StatusCode::kUnknown) << "held, no callback yet";
  ASSERT_EQ(clients_.size(), 2u);
  latest().Fail();

  const absl::Status refused = ProduceAndWait("b");
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable) << refused;
  EXPECT_NE(refused.message().find("replaced in 1s"), std::string::npos) << refused;
  EXPECT_EQ(clients_.size(), 2u);
  EXPECT_FALSE(producer_->Liveness().ok());
  EXPECT_TRUE(producer_->Health().ok());

  now_ += absl::Seconds(1);
  EXPECT_EQ(ProduceAndWait("c").code(), absl::StatusCode::kUnknown);
  ASSERT_EQ(clients_.size(), 3u);
  latest().Fail();
  EXPECT_EQ(ProduceAndWait("d").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(producer_->Health().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(producer_->Health().message().find("the DLQ producer failed 3 times"),
            std::string::npos)
      << producer_->Health();
}

TEST_F(RecreatingProducerTest, ADeliveryResetsTheFailureCount) {
  latest().Fail();
  ASSERT_TRUE(ProduceAndWait("a").ok());  // replaced, and delivered
  latest().Fail();
  ASSERT_TRUE(ProduceAndWait("b").ok()) << "replaced at once: the last client delivered";
  EXPECT_EQ(clients_.size(), 3u);
  EXPECT_TRUE(producer_->Liveness().ok());
}

}  // namespace
}  // namespace ingest
