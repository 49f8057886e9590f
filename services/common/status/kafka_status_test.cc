#include "services/common/status/kafka_status.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ingest {
namespace {

TEST(KafkaStatusTest, DeliveryTimeoutIsUnavailableSoClientsRetry) {
  absl::Status status = KafkaErrorToStatus(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, "produce");
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(status.message()), ::testing::StartsWith("produce: _MSG_TIMED_OUT"));
}

TEST(KafkaStatusTest, ReplicaShortageIsUnavailable) {
  EXPECT_EQ(KafkaErrorCode(RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS), absl::StatusCode::kUnavailable);
  EXPECT_EQ(KafkaErrorCode(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN), absl::StatusCode::kUnavailable);
}

TEST(KafkaStatusTest, LocalQueueFullIsResourceExhausted) {
  EXPECT_EQ(KafkaErrorCode(RD_KAFKA_RESP_ERR__QUEUE_FULL), absl::StatusCode::kResourceExhausted);
}

TEST(KafkaStatusTest, OversizedRecordIsInvalidArgument) {
  EXPECT_EQ(KafkaErrorCode(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE),
            absl::StatusCode::kInvalidArgument);
}

TEST(KafkaStatusTest, NoErrorIsOk) {
  EXPECT_TRUE(KafkaErrorToStatus(RD_KAFKA_RESP_ERR_NO_ERROR, "x").ok());
}

TEST(KafkaStatusTest, UnknownErrorsAreInternal) {
  EXPECT_EQ(KafkaErrorCode(RD_KAFKA_RESP_ERR__FATAL), absl::StatusCode::kInternal);
}

TEST(KafkaStatusTest, AStatusCarriesTheKafkaErrorNameItWasTaggedWith) {
  const absl::Status fenced = WithKafkaErrorName(absl::FailedPreconditionError("fenced"),
                                                 RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID);
  EXPECT_EQ(KafkaErrorNameOf(fenced), "FENCED_INSTANCE_ID");
  EXPECT_EQ(fenced.message(), "fenced");
  EXPECT_EQ(KafkaErrorNameOf(absl::FailedPreconditionError("untagged")), "unknown");
}

}  // namespace
}  // namespace ingest
