// The Kafka side of each overlay under deploy/k8s/overlays, checked against
// broker-proxy's own rules so the manifests and the service can never
// disagree: every KafkaTopic an overlay deploys (after its components and
// patches) goes through CheckTopicSafety with the policy of that overlay's
// broker-proxy flags; broker-proxy's EnsureTopics defaults there would create
// the same topics; and the workers never outnumber the ingest topic's
// partitions (KEDA's maxReplicaCount is exactly that count).

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/broker_proxy/topic_safety.h"
#include "services/common/status/status_macros.h"
#include "tests/k8s/kustomize_subset.h"
#include "yaml-cpp/yaml.h"

namespace ingest {
namespace {

namespace fs = std::filesystem;

using ::testing::Contains;
using ::testing::IsEmpty;
using ::testing::Le;
using ::testing::Not;

fs::path K8sDir() {
  const char* root = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  return fs::path(root != nullptr ? root : ".") /
         (workspace != nullptr ? workspace : "session_ingest") / "deploy" / "k8s";
}

// `node[key]` without inserting and without throwing on a missing parent.
YAML::Node Get(const YAML::Node& node, const std::string& key) {
  if (!node.IsDefined() || !node.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  return node[key];
}

std::string Text(const YAML::Node& node) {
  return node.IsDefined() && node.IsScalar() ? node.Scalar() : std::string();
}

template <typename Int>
absl::StatusOr<Int> Integer(const YAML::Node& node, const std::string& what) {
  Int value = 0;
  if (!node.IsDefined()) return absl::NotFoundError(absl::StrCat(what, " is not set"));
  if (!absl::SimpleAtoi(Text(node), &value)) {
    return absl::InvalidArgumentError(absl::StrCat(what, " is not an integer: '", Text(node), "'"));
  }
  return value;
}

struct Topic {
  std::string name;
  TopicSettings settings;
};

// A KafkaTopic's settings. Every setting a rule judges must be stated: one
// left out would be "unknown" to CheckTopicSafety and pass unjudged (and the
// broker's default would apply, whatever it is on that cluster).
absl::StatusOr<Topic> TopicFromManifest(const YAML::Node& manifest) {
  const YAML::Node spec = Get(manifest, "spec");
  const YAML::Node config = Get(spec, "config");
  Topic topic;
  topic.name = Text(Get(spec, "topicName"));
  if (topic.name.empty()) topic.name = Text(Get(Get(manifest, "metadata"), "name"));
  const std::string of = absl::StrCat(" of KafkaTopic ", topic.name);
  TopicSettings& s = topic.settings;
  absl::StatusOr<int32_t> partitions = Integer<int32_t>(Get(spec, "partitions"), "partitions" + of);
  absl::StatusOr<int32_t> replicas = Integer<int32_t>(Get(spec, "replicas"), "replicas" + of);
  absl::StatusOr<int32_t> min_isr =
      Integer<int32_t>(Get(config, "min.insync.replicas"), "min.insync.replicas" + of);
  absl::StatusOr<int64_t> retention =
      Integer<int64_t>(Get(config, "retention.ms"), "retention.ms" + of);
  absl::StatusOr<int64_t> max_bytes =
      Integer<int64_t>(Get(config, "max.message.bytes"), "max.message.bytes" + of);
  for (const absl::Status& status : {partitions.status(), replicas.status(), min_isr.status(),
                                     retention.status(), max_bytes.status()}) {
    if (!status.ok()) return status;
  }
  s.partitions = *partitions;
  s.replication_factor = *replicas;
  s.min_insync_replicas = *min_isr;
  s.retention_ms = *retention;
  s.max_message_bytes = *max_bytes;
  s.cleanup_policy = Text(Get(config, "cleanup.policy"));
  if (s.cleanup_policy.empty()) return absl::NotFoundError("cleanup.policy" + of + " is not set");
  return topic;
}

// broker-proxy's flags in an overlay, as absl::ParseCommandLine would see
// them: the last of a repeated flag wins.
absl::StatusOr<std::map<std::string, std::string>> BrokerProxyFlags(
    const std::vector<YAML::Node>& objects) {
  ASSIGN_OR_RETURN(YAML::Node deployment, FindObject(objects, "Deployment", "broker-proxy"));
  for (const YAML::Node& container :
       Get(Get(Get(Get(deployment, "spec"), "template"), "spec"), "containers")) {
    if (Text(Get(container, "name")) != "broker-proxy") continue;
    std::map<std::string, std::string> flags;
    for (const YAML::Node& arg : Get(container, "args")) {
      const std::string text = Text(arg);
      const size_t equals = text.find('=');
      if (text.rfind("--", 0) != 0 || equals == std::string::npos) continue;
      flags[text.substr(2, equals - 2)] = text.substr(equals + 1);
    }
    return flags;
  }
  return absl::NotFoundError("the broker-proxy Deployment has no container broker-proxy");
}

// The rules' thresholds as broker-proxy runs with `flags`. The minimum
// replication factor must be set explicitly (its flag's default, 1, is for a
// laptop); the other two default as TopicSafetyPolicy (= the flags) does.
absl::StatusOr<TopicSafetyPolicy> PolicyFromFlags(const std::map<std::string, std::string>& flags) {
  TopicSafetyPolicy policy;
  auto min_rf = flags.find("min_replication_factor");
  if (min_rf == flags.end() || !absl::SimpleAtoi(min_rf->second, &policy.min_replication_factor)) {
    return absl::NotFoundError("broker-proxy's --min_replication_factor is not set");
  }
  if (auto floor = flags.find("retention_floor"); floor != flags.end()) {
    if (!absl::ParseDuration(floor->second, &policy.retention_floor)) {
      return absl::InvalidArgumentError("bad --retention_floor " + floor->second);
    }
  }
  if (auto bytes = flags.find("min_max_message_bytes"); bytes != flags.end()) {
    if (!absl::SimpleAtoi(bytes->second, &policy.min_max_message_bytes)) {
      return absl::InvalidArgumentError("bad --min_max_message_bytes " + bytes->second);
    }
  }
  return policy;
}

// What broker-proxy's EnsureTopics creates when asked for no particular
// settings. Each flag must be set in the manifests (no hidden defaults).
absl::StatusOr<TopicSettings> EnsureTopicsDefaults(
    const std::map<std::string, std::string>& flags) {
  TopicSettings wanted;
  wanted.cleanup_policy = "delete";
  const struct {
    const char* flag;
    int64_t* value;
  } wide[] = {{"retention_ms", &wanted.retention_ms},
              {"max_message_bytes", &wanted.max_message_bytes}};
  const struct {
    const char* flag;
    int32_t* value;
  } narrow[] = {{"partitions", &wanted.partitions},
                {"replication_factor", &wanted.replication_factor},
                {"min_insync_replicas", &wanted.min_insync_replicas}};
  for (const auto& [flag, value] : wide) {
    auto it = flags.find(flag);
    if (it == flags.end() || !absl::SimpleAtoi(it->second, value)) {
      return absl::NotFoundError(absl::StrCat("broker-proxy's --", flag, " is not set"));
    }
  }
  for (const auto& [flag, value] : narrow) {
    auto it = flags.find(flag);
    if (it == flags.end() || !absl::SimpleAtoi(it->second, value)) {
      return absl::NotFoundError(absl::StrCat("broker-proxy's --", flag, " is not set"));
    }
  }
  return wanted;
}

std::vector<std::string> Rules(const std::vector<SafetyFinding>& findings) {
  std::vector<std::string> rules;
  for (const SafetyFinding& finding : findings) rules.push_back(finding.rule);
  return rules;
}

// One overlay, built.
class OverlayTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    absl::StatusOr<std::vector<YAML::Node>> built =
        BuildKustomization(K8sDir() / "overlays" / GetParam());
    ASSERT_TRUE(built.ok()) << built.status();
    objects_ = *std::move(built);
    absl::StatusOr<YAML::Node> config = FindObject(objects_, "ConfigMap", "ingest-config");
    ASSERT_TRUE(config.ok()) << config.status();
    ingest_topic_ = Text(Get(Get(*config, "data"), "KAFKA_TOPIC"));
    group_ = Text(Get(Get(*config, "data"), "WORKER_GROUP_ID"));
    ASSERT_FALSE(ingest_topic_.empty()) << "ingest-config has no KAFKA_TOPIC";
    ASSERT_FALSE(group_.empty()) << "ingest-config has no WORKER_GROUP_ID";
    for (const YAML::Node& manifest : ObjectsOfKind(objects_, "KafkaTopic")) {
      absl::StatusOr<Topic> topic = TopicFromManifest(manifest);
      ASSERT_TRUE(topic.ok()) << topic.status();
      topics_[topic->name] = topic->settings;
    }
    absl::StatusOr<std::map<std::string, std::string>> flags = BrokerProxyFlags(objects_);
    ASSERT_TRUE(flags.ok()) << flags.status();
    flags_ = *std::move(flags);
  }

  std::vector<YAML::Node> objects_;
  std::string ingest_topic_;
  std::string group_;
  std::map<std::string, TopicSettings> topics_;
  std::map<std::string, std::string> flags_;
};

TEST_P(OverlayTest, DeclaresTheIngestTopicAndItsDeadLetterTopic) {
  // The worker dead-letters to <topic>.dlq (its --dlq_topic default).
  EXPECT_TRUE(topics_.contains(ingest_topic_)) << "no KafkaTopic " << ingest_topic_;
  EXPECT_TRUE(topics_.contains(ingest_topic_ + ".dlq"))
      << "no KafkaTopic " << ingest_topic_ << ".dlq";
}

TEST_P(OverlayTest, EveryKafkaTopicPassesBrokerProxysSafetyRules) {
  absl::StatusOr<TopicSafetyPolicy> policy = PolicyFromFlags(flags_);
  ASSERT_TRUE(policy.ok()) << policy.status();
  ASSERT_THAT(topics_, Not(IsEmpty()));
  for (const auto& [name, settings] : topics_) {
    const std::vector<SafetyFinding> findings =
        CheckTopicSafety(settings, *policy, /*force=*/false);
    EXPECT_TRUE(findings.empty()) << GetParam() << ": KafkaTopic " << name << ": "
                                  << DescribeFindings(findings);
  }
}

TEST_P(OverlayTest, BrokerProxyWouldEnsureTheSameTopics) {
  absl::StatusOr<TopicSafetyPolicy> policy = PolicyFromFlags(flags_);
  absl::StatusOr<TopicSettings> wanted = EnsureTopicsDefaults(flags_);
  ASSERT_TRUE(policy.ok()) << policy.status();
  ASSERT_TRUE(wanted.ok()) << wanted.status();
  const std::vector<SafetyFinding> findings = CheckTopicSafety(*wanted, *policy, /*force=*/false);
  EXPECT_TRUE(findings.empty()) << "broker-proxy would refuse its own defaults: "
                                << DescribeFindings(findings);
  for (const std::string& name : {ingest_topic_, ingest_topic_ + ".dlq"}) {
    auto topic = topics_.find(name);
    if (topic == topics_.end()) continue;  // reported above
    const TopicSettings& declared = topic->second;
    EXPECT_EQ(declared.partitions, wanted->partitions) << name << " partitions vs --partitions";
    EXPECT_EQ(declared.replication_factor, wanted->replication_factor)
        << name << " replicas vs --replication_factor";
    EXPECT_EQ(declared.min_insync_replicas, wanted->min_insync_replicas)
        << name << " min.insync.replicas vs --min_insync_replicas";
    EXPECT_EQ(declared.max_message_bytes, wanted->max_message_bytes)
        << name << " max.message.bytes vs --max_message_bytes";
  }
  if (auto ingest = topics_.find(ingest_topic_); ingest != topics_.end()) {
    EXPECT_EQ(ingest->second.retention_ms, wanted->retention_ms)
        << ingest_topic_ << " retention.ms vs --retention_ms";
  }
}

TEST_P(OverlayTest, WorkersNeverOutnumberThePartitions) {
  auto ingest = topics_.find(ingest_topic_);
  ASSERT_NE(ingest, topics_.end());
  const int32_t partitions = ingest->second.partitions;
  absl::StatusOr<YAML::Node> workers = FindObject(objects_, "StatefulSet", "worker");
  ASSERT_TRUE(workers.ok()) << workers.status();
  if (const YAML::Node replicas = Get(Get(*workers, "spec"), "replicas"); replicas.IsDefined()) {
    absl::StatusOr<int32_t> count = Integer<int32_t>(replicas, "worker replicas");
    ASSERT_TRUE(count.ok()) << count.status();
    EXPECT_THAT(*count, Le(partitions)) << "workers beyond the partition count sit idle";
  }
  for (const YAML::Node& scaled : ObjectsOfKind(objects_, "ScaledObject")) {
    const YAML::Node spec = Get(scaled, "spec");
    if (Text(Get(Get(spec, "scaleTargetRef"), "name")) != "worker") continue;
    absl::StatusOr<int32_t> max = Integer<int32_t>(Get(spec, "maxReplicaCount"), "maxReplicaCount");
    absl::StatusOr<int32_t> min = Integer<int32_t>(Get(spec, "minReplicaCount"), "minReplicaCount");
    ASSERT_TRUE(max.ok()) << max.status();
    ASSERT_TRUE(min.ok()) << min.status();
    EXPECT_EQ(*max, partitions) << "KEDA's cap is the partition count of " << ingest_topic_;
    EXPECT_THAT(*min, Le(*max));
    int kafka_triggers = 0;
    for (const YAML::Node& trigger : Get(spec, "triggers")) {
      if (Text(Get(trigger, "type")) != "kafka") continue;
      ++kafka_triggers;
      const YAML::Node metadata = Get(trigger, "metadata");
      EXPECT_EQ(Text(Get(metadata, "topic")), ingest_topic_);
      EXPECT_EQ(Text(Get(metadata, "consumerGroup")), group_);
      EXPECT_NE(Text(Get(metadata, "allowIdleConsumers")), "true");
    }
    EXPECT_GT(kafka_triggers, 0) << "the worker scales on consumer lag";
  }
}

INSTANTIATE_TEST_SUITE_P(Overlays, OverlayTest, ::testing::Values("local", "production"));

class ProductionTest : public OverlayTest {};

TEST_P(ProductionTest, ReplicatesThreeTimesAndNeedsTwoInSync) {
  absl::StatusOr<TopicSafetyPolicy> policy = PolicyFromFlags(flags_);
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(policy->min_replication_factor, 3);
  for (const auto& [name, settings] : topics_) {
    EXPECT_EQ(settings.replication_factor, 3) << name;
    EXPECT_EQ(settings.min_insync_replicas, 2) << name;
  }
}

TEST_P(ProductionTest, WorkersScaleOnLag) {
  int scaled = 0;
  for (const YAML::Node& object : ObjectsOfKind(objects_, "ScaledObject")) {
    scaled += Text(Get(Get(Get(object, "spec"), "scaleTargetRef"), "name")) == "worker";
  }
  EXPECT_EQ(scaled, 1);
}

INSTANTIATE_TEST_SUITE_P(Overlays, ProductionTest, ::testing::Values("production"));

// The checks above pass only if reading a manifest keeps each violation
// visible: each rule broken in a copy of the real production ingest topic is
// found, and a setting left out is an error rather than "unknown".
class BrokenTopicTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::vector<YAML::Node>> built =
        BuildKustomization(K8sDir() / "overlays" / "production");
    ASSERT_TRUE(built.ok()) << built.status();
    absl::StatusOr<YAML::Node> topic = FindObject(*built, "KafkaTopic", "ingest-tasks");
    ASSERT_TRUE(topic.ok()) << topic.status();
    topic_ = YAML::Clone(*topic);
    absl::StatusOr<std::map<std::string, std::string>> flags = BrokerProxyFlags(*built);
    ASSERT_TRUE(flags.ok()) << flags.status();
    absl::StatusOr<TopicSafetyPolicy> policy = PolicyFromFlags(*flags);
    ASSERT_TRUE(policy.ok()) << policy.status();
    policy_ = *policy;
  }

  // The rules the topic breaks once config `key` is `value`.
  std::vector<std::string> RulesWith(const std::string& key, const std::string& value) {
    YAML::Node topic = YAML::Clone(topic_);
    topic["spec"]["config"][key] = value;
    absl::StatusOr<Topic> read = TopicFromManifest(topic);
    EXPECT_TRUE(read.ok()) << read.status();
    if (!read.ok()) return {};
    return Rules(CheckTopicSafety(read->settings, policy_, /*force=*/false));
  }

  YAML::Node topic_;
  TopicSafetyPolicy policy_;
};

TEST_F(BrokenTopicTest, TheRealTopicIsSafe) {
  absl::StatusOr<Topic> read = TopicFromManifest(topic_);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_THAT(Rules(CheckTopicSafety(read->settings, policy_, false)), IsEmpty());
}

TEST_F(BrokenTopicTest, EachBrokenRuleIsFound) {
  EXPECT_THAT(RulesWith("cleanup.policy", "compact"), Contains("cleanup.policy=delete"));
  EXPECT_THAT(RulesWith("min.insync.replicas", "3"),
              Contains("min.insync.replicas<replication.factor"));
  EXPECT_THAT(RulesWith("min.insync.replicas", "1"), Contains("min.insync.replicas>=2"));
  EXPECT_THAT(RulesWith("retention.ms", "3600000"), Contains("retention.ms>=86400000"));
  EXPECT_THAT(RulesWith("max.message.bytes", "1048576"), Contains("max.message.bytes>=8454144"));
  YAML::Node replicated_twice = YAML::Clone(topic_);
  replicated_twice["spec"]["replicas"] = 2;
  replicated_twice["spec"]["config"]["min.insync.replicas"] = 1;
  absl::StatusOr<Topic> read = TopicFromManifest(replicated_twice);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_THAT(Rules(CheckTopicSafety(read->settings, policy_, false)),
              Contains("replication.factor>=3"));
}

TEST_F(BrokenTopicTest, ASettingLeftOutIsAnError) {
  for (const char* key : {"cleanup.policy", "min.insync.replicas", "retention.ms",
                          "max.message.bytes"}) {
    YAML::Node topic = YAML::Clone(topic_);
    topic["spec"]["config"].remove(key);
    EXPECT_FALSE(TopicFromManifest(topic).ok()) << key;
  }
  YAML::Node topic = YAML::Clone(topic_);
  topic["spec"].remove("replicas");
  EXPECT_FALSE(TopicFromManifest(topic).ok());
}

}  // namespace
}  // namespace ingest
