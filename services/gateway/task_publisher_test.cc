// Admission with a project's own limits from the API keys file: its rate and
// burst replace the gateway's, its in-flight bytes are bounded on their own,
// and other projects keep the defaults.

#include "services/gateway/task_publisher.h"

#include <string>

#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "services/gateway/testing/recording_producer.h"

namespace ingest {
namespace {

class TaskPublisherTest : public ::testing::Test {
 protected:
  TaskPublisher Publisher(ProjectLimits limits_of_limited) {
    return TaskPublisher(producer_, "ingest.tasks", metrics_, budget_, rate_limiter_,
                         [limits_of_limited](const std::string& project) {
                           return project == "limited" ? limits_of_limited : ProjectLimits{};
                         });
  }

  prometheus::Registry registry_;
  GatewayMetrics metrics_{registry_};
  RecordingProducer producer_;
  InFlightBudget budget_{int64_t{1} << 30};
  absl::Time now_ = absl::FromUnixSeconds(1'000'000);
  ProjectRateLimiter rate_limiter_{{.bytes_per_second = 1e9, .burst_bytes = 1e9},
                                   [this] { return now_; }};
};

TEST_F(TaskPublisherTest, AProjectsOwnRateReplacesTheDefault) {
  TaskPublisher publisher = Publisher({.rate_bytes_per_second = 1000, .burst_bytes = 2000});
  EXPECT_FALSE(publisher.ChargeRate("limited", 1500).has_value());
  const std::optional<Refusal> refused = publisher.ChargeRate("limited", 1500);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_STREQ(refused->reason, "rate_limit");
  EXPECT_EQ(refused->retry_after, absl::Seconds(1));  // 1000 B missing at 1000 B/s
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(publisher.ChargeRate("other", 1500).has_value());
  now_ += absl::Seconds(1);
  EXPECT_FALSE(publisher.ChargeRate("limited", 1500).has_value());
}

TEST_F(TaskPublisherTest, AProjectsOwnInFlightBytesAreBoundedAlone) {
  TaskPublisher publisher = Publisher({.inflight_bytes = 1000});
  BudgetLease first;
  ASSERT_FALSE(publisher.Reserve("limited", 600, &first).has_value());
  BudgetLease second;
  const std::optional<Refusal> refused = publisher.Reserve("limited", 600, &second);
  ASSERT_TRUE(refused.has_value());
  EXPECT_STREQ(refused->reason, "project_inflight_bytes");
  EXPECT_EQ(budget_.in_use(), 600) << "the refused reservation took nothing";
  BudgetLease other;
  EXPECT_FALSE(publisher.Reserve("other", 5000, &other).has_value());

  first.Reset();  // acknowledged: the project's bytes and the replica's come back
  EXPECT_EQ(budget_.in_use(), 5000);
  EXPECT_FALSE(publisher.Reserve("limited", 600, &second).has_value());
}

}  // namespace
}  // namespace ingest
