#include "services/worker/dead_letter_publisher.h"

#include <map>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/kafka/dead_letter_headers.h"
#include "services/common/kafka/first_position.h"

namespace ingest {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Pair;

// Keeps every record and its callback; the test decides when the broker
// answers.
class HeldProducer : public Producer {
 public:
  struct Sent {
    std::string topic, key, value;
    RecordHeaders headers;
    DeliveryCallback done;
  };
  absl::Status Produce(absl::string_view, std::string, std::string, DeliveryCallback) override {
    return absl::UnimplementedError("headers expected");
  }
  absl::Status ProduceWithHeaders(absl::string_view topic, std::string key, std::string value,
                                  RecordHeaders headers, DeliveryCallback done) override {
    if (refuse) return absl::InvalidArgumentError("Broker: Message size too large");
    sent.push_back({std::string(topic), std::move(key), std::move(value), std::move(headers),
                    std::move(done)});
    if (ack_at_once) std::move(sent.back().done)(RecordPosition{0, next_offset++});
    if (!async_outcomes.empty()) {
      // Like librdkafka: the report arrives later, on another thread.
      absl::Status outcome = async_outcomes.front();
      async_outcomes.erase(async_outcomes.begin());
      reporters.emplace_back([done = std::move(sent.back().done), outcome]() mutable {
        if (outcome.ok()) {
          std::move(done)(RecordPosition{0, 0});
        } else {
          std::move(done)(outcome);
        }
      });
    }
    return absl::OkStatus();
  }
  ~HeldProducer() override {
    for (std::thread& reporter : reporters) reporter.join();
  }
  absl::Status Flush(absl::Duration) override { return absl::OkStatus(); }
  absl::Status CheckReachable(absl::string_view, absl::Duration) override {
    return absl::OkStatus();
  }
  std::vector<Sent> sent;
  bool ack_at_once = true;
  bool refuse = false;
  std::vector<absl::Status> async_outcomes;  // one per record, delivered later
  std::vector<std::thread> reporters;
  int64_t next_offset = 0;
};

DeadLetter Letter(int64_t offset) {
  DeadLetter letter;
  letter.partition = 3;
  letter.offset = offset;
  letter.key = "sess-1";
  letter.value = "raw bytes";
  letter.session_id = "sess-1";
  letter.project_id = "proj";
  letter.reason = DeadLetterReason::kInvalidRecord;
  letter.detail = "not a valid Task";
  return letter;
}

TEST(DeadLetterPublisherTest, ProducesEachLetterWithItsOriginInHeadersKeyedLikeTheSource) {
  HeldProducer producer;
  DeadLetterPublisher publisher(producer, "ingest.tasks.dlq", "ingest.tasks", absl::Seconds(1));
  ASSERT_TRUE(publisher.Publish({Letter(10), Letter(11)}).ok());
  ASSERT_EQ(producer.sent.size(), 2u);
  const HeldProducer::Sent& first = producer.sent[0];
  EXPECT_EQ(first.topic, "ingest.tasks.dlq");
  EXPECT_EQ(first.key, "sess-1");
  EXPECT_EQ(first.value, "raw bytes");
  EXPECT_THAT(first.headers, Contains(Pair(dlq_headers::kReason, "invalid_record")));
  EXPECT_THAT(first.headers, Contains(Pair(dlq_headers::kSourceTopic, "ingest.tasks")));
  EXPECT_THAT(first.headers, Contains(Pair(dlq_headers::kSourcePartition, "3")));
  EXPECT_THAT(first.headers, Contains(Pair(dlq_headers::kSourceOffset, "10")));
  EXPECT_THAT(first.headers, Contains(Pair(dlq_headers::kSessionId, "sess-1")));
  EXPECT_THAT(first.headers, Contains(Pair(dlq_headers::kProjectId, "proj")));
  EXPECT_THAT(producer.sent[1].headers, Contains(Pair(dlq_headers::kSourceOffset, "11")));
  EXPECT_EQ(FirstPositionOf(first.headers, {}), (FirstPosition{3, 10}))
      << "a record the gateway produced was first where it is";
}

TEST(DeadLetterPublisherTest, ALetterOfACopyNamesWhereItsOriginalFirstWas) {
  DeadLetter letter = Letter(10);
  letter.first = {3, 4};
  EXPECT_EQ(FirstPositionOf(DeadLetterHeaders(letter, "t", absl::Now()), {}),
            (FirstPosition{3, 4}));
}

TEST(DeadLetterPublisherTest, UnknownSessionAndProjectAreLeftOutOfTheHeaders) {
  DeadLetter letter = Letter(1);
  letter.session_id.clear();
  letter.project_id.clear();
  const RecordHeaders headers = DeadLetterHeaders(letter, "t", absl::FromUnixMillis(5));
  for (const auto& [name, value] : headers) {
    EXPECT_NE(name, dlq_headers::kSessionId);
    EXPECT_NE(name, dlq_headers::kProjectId);
  }
  EXPECT_THAT(headers, Contains(Pair(dlq_headers::kDeadLetteredAtMs, "5")));
}

TEST(DeadLetterPublisherTest, AFailedDeliveryIsUnavailableSoTheBatchIsRetried) {
  HeldProducer producer;
  producer.ack_at_once = false;
  producer.async_outcomes = {absl::OkStatus(), absl::UnavailableError("Local: Message timed out")};
  DeadLetterPublisher publisher(producer, "dlq", "src", absl::Seconds(30));
  const absl::Status status = publisher.Publish({Letter(1), Letter(2)});
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(status.message(), HasSubstr("timed out"));
}

TEST(DeadLetterPublisherTest, NoAcknowledgementWithinTheTimeoutIsUnavailable) {
  HeldProducer producer;
  producer.ack_at_once = false;
  DeadLetterPublisher publisher(producer, "dlq", "src", absl::Milliseconds(20));
  const absl::Status status = publisher.Publish({Letter(1)});
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(status.message(), HasSubstr("not acknowledged"));
  // The late acknowledgement must not touch freed state.
  std::move(producer.sent[0].done)(RecordPosition{0, 0});
}

TEST(DeadLetterPublisherTest, ARefusalOfAnyKindIsUnavailableNeverInvalidArgument) {
  HeldProducer producer;
  producer.refuse = true;
  DeadLetterPublisher publisher(producer, "dlq", "src", absl::Seconds(1));
  const absl::Status status = publisher.Publish({Letter(1)});
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(status.message(), HasSubstr("too large"));
}

TEST(DeadLetterPublisherTest, NothingToPublishSendsNothing) {
  HeldProducer producer;
  DeadLetterPublisher publisher(producer, "dlq", "src", absl::Seconds(1));
  EXPECT_TRUE(publisher.Publish({}).ok());
  EXPECT_TRUE(producer.sent.empty());
}

}  // namespace
}  // namespace ingest
