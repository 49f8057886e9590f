// Admission with a project's own limits from the API keys file: its rate and
// burst replace the gateway's, its in-flight bytes are bounded on their own,
// its retention is stamped on its records, and other projects keep the
// defaults.

#include "services/gateway/task_publisher.h"

#include <string>

#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "services/gateway/task_builder.h"
#include "services/gateway/testing/recording_producer.h"

namespace ingest {
namespace {

class TaskPublisherTest : public ::testing::Test {
 protected:
  TaskPublisher Publisher(ProjectLimits limits_of_limited,
                          int default_retention_days = kDefaultRetentionDays) {
    return TaskPublisher(
        producer_, "ingest.tasks", metrics_, budget_, rate_limiter_,
        [this, limits_of_limited](const std::string& project) {
          ++limits_asked_;
          return project == "limited" ? limits_of_limited : ProjectLimits{};
        },
        default_retention_days);
  }

  // Admits an IdentifySession task of `project` and produces it; the
  // record as the producer got it.
  v1::Task AdmitAndProduce(TaskPublisher& publisher, const std::string& project) {
    v1::IdentifySessionRequest request;
    request.set_session_id("s-1");
    request.set_user_identifier("user@example.com");
    Admission admission;
    EXPECT_FALSE(publisher.Admit(project, 100, &admission).has_value());
    publisher.Produce(admission, BuildIdentifyTask(request, project, CallInfo{}),
                      [](absl::StatusOr<RecordPosition>) {});
    EXPECT_TRUE(producer_.Flush(absl::Seconds(10)).ok());
    return producer_.tasks().back();
  }

  prometheus::Registry registry_;
  GatewayMetrics metrics_{registry_};
  RecordingProducer producer_;
  InFlightBudget budget_{int64_t{1} << 30};
  absl::Time now_ = absl::FromUnixSeconds(1'000'000);
  ProjectRateLimiter rate_limiter_{{.bytes_per_second = 1e9, .burst_bytes = 1e9},
                                   [this] { return now_; }};
  int limits_asked_ = 0;
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
  Admission first;
  ASSERT_FALSE(publisher.Reserve("limited", 600, &first).has_value());
  Admission second;
  const std::optional<Refusal> refused = publisher.Reserve("limited", 600, &second);
  ASSERT_TRUE(refused.has_value());
  EXPECT_STREQ(refused->reason, "project_inflight_bytes");
  EXPECT_EQ(budget_.in_use(), 600) << "the refused reservation took nothing";
  Admission other;
  EXPECT_FALSE(publisher.Reserve("other", 5000, &other).has_value());

  first.lease.Reset();  // acknowledged: the project's bytes and the replica's come back
  EXPECT_EQ(budget_.in_use(), 5000);
  EXPECT_FALSE(publisher.Reserve("limited", 600, &second).has_value());
}

TEST_F(TaskPublisherTest, ARecordCarriesItsProjectsRetentionElseTheDefault) {
  TaskPublisher publisher = Publisher({.retention_days = 400}, /*default_retention_days=*/45);
  const v1::Task limited = AdmitAndProduce(publisher, "limited");
  EXPECT_EQ(limited.project_id(), "limited");
  EXPECT_EQ(limited.retention_days(), 400u);
  const v1::Task other = AdmitAndProduce(publisher, "other");
  EXPECT_EQ(other.project_id(), "other");
  EXPECT_EQ(other.retention_days(), 45u);
}

TEST_F(TaskPublisherTest, AnAdmissionAsksForTheProjectsLimitsOnce) {
  TaskPublisher publisher = Publisher({.rate_bytes_per_second = 1000, .inflight_bytes = 1000});
  Admission admission;
  ASSERT_FALSE(publisher.Admit("limited", 100, &admission).has_value());
  EXPECT_EQ(limits_asked_, 1) << "rate, in-flight bytes and retention from one look-up";
}

}  // namespace
}  // namespace ingest
