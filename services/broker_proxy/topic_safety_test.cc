#include "services/broker_proxy/topic_safety.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ingest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Production-like and safe: RF 3, min ISR 2, delete, 7 days, 16 MiB.
TopicSettings Safe() {
  return {.partitions = 8,
          .replication_factor = 3,
          .min_insync_replicas = 2,
          .cleanup_policy = "delete",
          .retention_ms = 7 * 24 * 3600 * 1000LL,
          .max_message_bytes = 16 << 20};
}

std::vector<std::string> Rules(const TopicSettings& settings, bool force = false,
                               const TopicSafetyPolicy& policy = {}) {
  std::vector<std::string> rules;
  for (const SafetyFinding& finding : CheckTopicSafety(settings, policy, force)) {
    rules.push_back(finding.rule);
  }
  return rules;
}

TEST(TopicSafetyTest, SafeSettingsHaveNoFinding) { EXPECT_THAT(Rules(Safe()), IsEmpty()); }

TEST(TopicSafetyTest, LocalSingleBrokerSettingsAreSafe) {
  TopicSettings local = Safe();
  local.replication_factor = 1;
  local.min_insync_replicas = 1;
  EXPECT_THAT(Rules(local), IsEmpty());
}

TEST(TopicSafetyTest, CompactionIsRefused) {
  TopicSettings settings = Safe();
  settings.cleanup_policy = "compact";
  auto findings = CheckTopicSafety(settings, {}, /*force=*/true);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].rule, "cleanup.policy=delete");
  EXPECT_THAT(findings[0].problem, HasSubstr("'compact'"));
  EXPECT_THAT(findings[0].fix, HasSubstr("cleanup.policy=delete"));
}

TEST(TopicSafetyTest, CompactAndDeleteIsRefusedToo) {
  TopicSettings settings = Safe();
  settings.cleanup_policy = "compact,delete";
  EXPECT_THAT(Rules(settings), ElementsAre("cleanup.policy=delete"));
}

TEST(TopicSafetyTest, MinInsyncEqualToReplicationIsRefused) {
  TopicSettings settings = Safe();
  settings.min_insync_replicas = 3;
  EXPECT_THAT(Rules(settings, /*force=*/true),
              ElementsAre("min.insync.replicas<replication.factor"));
  settings.min_insync_replicas = 2;  // one below: fine
  EXPECT_THAT(Rules(settings), IsEmpty());
}

TEST(TopicSafetyTest, MinInsyncAboveASingleReplicaIsRefused) {
  TopicSettings settings = Safe();
  settings.replication_factor = 1;
  settings.min_insync_replicas = 2;
  EXPECT_THAT(Rules(settings), ElementsAre("min.insync.replicas<replication.factor"));
}

TEST(TopicSafetyTest, MinInsyncOneWithThreeReplicasNeedsForce) {
  TopicSettings settings = Safe();
  settings.min_insync_replicas = 1;
  auto findings = CheckTopicSafety(settings, {}, /*force=*/false);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].rule, "min.insync.replicas>=2");
  EXPECT_THAT(findings[0].fix, HasSubstr("force"));
  EXPECT_THAT(Rules(settings, /*force=*/true), IsEmpty());
}

TEST(TopicSafetyTest, MinInsyncOneWithTwoReplicasIsAccepted) {
  TopicSettings settings = Safe();
  settings.replication_factor = 2;
  settings.min_insync_replicas = 1;
  EXPECT_THAT(Rules(settings), IsEmpty());
}

TEST(TopicSafetyTest, ReplicationBelowThePolicyIsRefused) {
  TopicSettings settings = Safe();
  settings.replication_factor = 2;
  settings.min_insync_replicas = 1;
  TopicSafetyPolicy production;
  production.min_replication_factor = 3;
  EXPECT_THAT(Rules(settings, false, production), ElementsAre("replication.factor>=3"));
  settings.replication_factor = 3;
  settings.min_insync_replicas = 2;
  EXPECT_THAT(Rules(settings, false, production), IsEmpty());
}

TEST(TopicSafetyTest, RetentionBelowTheFloorIsRefused) {
  TopicSettings settings = Safe();
  settings.retention_ms = 24 * 3600 * 1000LL - 1;
  auto findings = CheckTopicSafety(settings, {}, false);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].rule, "retention.ms>=86400000");
  EXPECT_THAT(findings[0].fix, HasSubstr("-1 for forever"));
  settings.retention_ms = 24 * 3600 * 1000LL;  // exactly the floor
  EXPECT_THAT(Rules(settings), IsEmpty());
}

TEST(TopicSafetyTest, RetentionForeverIsFine) {
  TopicSettings settings = Safe();
  settings.retention_ms = -1;
  EXPECT_THAT(Rules(settings), IsEmpty());
}

TEST(TopicSafetyTest, RetentionFloorIsTheFlag) {
  TopicSettings settings = Safe();
  settings.retention_ms = 3600 * 1000;
  TopicSafetyPolicy policy;
  policy.retention_floor = absl::Hours(1);
  EXPECT_THAT(Rules(settings, false, policy), IsEmpty());
  policy.retention_floor = absl::Hours(2);
  EXPECT_THAT(Rules(settings, false, policy), ElementsAre("retention.ms>=7200000"));
}

TEST(TopicSafetyTest, MaxMessageBytesMustFitTheGatewaysLargestRecord) {
  TopicSettings settings = Safe();
  const int64_t floor = TopicSafetyPolicy{}.min_max_message_bytes;
  EXPECT_EQ(floor, (8 << 20) + (64 << 10));
  settings.max_message_bytes = floor - 1;
  EXPECT_THAT(Rules(settings), ElementsAre("max.message.bytes>=8454144"));
  settings.max_message_bytes = floor;
  EXPECT_THAT(Rules(settings), IsEmpty());
  settings.max_message_bytes = 1048588;  // Kafka's default: refused
  EXPECT_THAT(Rules(settings), ElementsAre("max.message.bytes>=8454144"));
}

TEST(TopicSafetyTest, UnknownValuesAreNotJudged) {
  TopicSettings unknown{.partitions = 8, .replication_factor = 3};
  EXPECT_THAT(Rules(unknown), IsEmpty());
}

TEST(TopicSafetyTest, EveryBrokenRuleIsListed) {
  TopicSettings settings{.partitions = 1,
                         .replication_factor = 3,
                         .min_insync_replicas = 3,
                         .cleanup_policy = "compact",
                         .retention_ms = 1000,
                         .max_message_bytes = 1000};
  EXPECT_THAT(Rules(settings),
              ElementsAre("cleanup.policy=delete", "min.insync.replicas<replication.factor",
                          "retention.ms>=86400000", "max.message.bytes>=8454144"));
  EXPECT_THAT(DescribeFindings(CheckTopicSafety(settings, {}, false)),
              HasSubstr("cleanup.policy=delete: cleanup.policy is 'compact'"));
}

}  // namespace
}  // namespace ingest
