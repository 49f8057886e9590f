// kafka_topics: creates the ingest topic (and its dead-letter topic) if
// missing. Idempotent. Until broker-proxy provisions topics, `./dev up` uses
// this. Always cleanup.policy=delete: compaction would lose payloads.
// --describe prints each partition's leader, replicas and in-sync replicas
// instead (`./dev chaos` picks the broker to kill with it), and
// --coordinator_of=GROUP the node id of the broker coordinating GROUP.

#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "services/common/flags/usage.h"
#include "services/common/kafka/rdkafka_admin.h"
#include "services/common/kafka/topic_admin.h"
#include "services/common/logging/log.h"
#include "services/common/status/status_macros.h"

ABSL_FLAG(std::string, bootstrap, "", "Kafka bootstrap servers. Required.");
ABSL_FLAG(std::string, topic, "ingest.tasks", "Topic to create (plus <topic>.dlq).");
ABSL_FLAG(int, partitions, 8, "Partitions.");
ABSL_FLAG(int, replication_factor, 1, "Replication factor (3 in production).");
ABSL_FLAG(int, min_insync_replicas, 1, "min.insync.replicas (2 in production).");
ABSL_FLAG(int64_t, max_message_bytes, 16 << 20, "Topic max.message.bytes.");
ABSL_FLAG(bool, describe, false,
          "Create nothing; print one line per partition of --topic: "
          "partition=P leader=B replicas=B,B,B isr=B,B");
ABSL_FLAG(std::string, coordinator_of, "",
          "Create nothing; print the node id of the broker that coordinates this consumer "
          "group (e.g. ingest-workers).");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(20), "How long to wait for the cluster.");

namespace {

// The node id of the broker coordinating `group` (DescribeConsumerGroups).
absl::StatusOr<int32_t> GroupCoordinator(const std::string& group) {
  ASSIGN_OR_RETURN(std::unique_ptr<ingest::KafkaAdmin> admin,
                   ingest::CreateRdKafkaAdmin({.bootstrap_servers = absl::GetFlag(FLAGS_bootstrap),
                                               .timeout = absl::GetFlag(FLAGS_timeout)}));
  ASSIGN_OR_RETURN(ingest::GroupDescription described, admin->DescribeGroup(group));
  if (described.coordinator < 0) {
    return absl::UnavailableError(absl::StrCat("the description of group ", group,
                                               " names no coordinator"));
  }
  return described.coordinator;
}

}  // namespace

int main(int argc, char** argv) {
  ingest::ConfigureFlagUsage(
      "Creates <topic> and <topic>.dlq if missing.\n"
      "Usage: kafka_topics --bootstrap=HOST:PORT [--partitions=8 --replication_factor=1]\n"
      "       kafka_topics --bootstrap=HOST:PORT --describe [--topic=T]\n"
      "       kafka_topics --bootstrap=HOST:PORT --coordinator_of=GROUP");
  absl::ParseCommandLine(argc, argv);
  ingest::log::Init("kafka_topics", ingest::log::Format::kText, ingest::log::Level::kWarn);
  if (absl::GetFlag(FLAGS_bootstrap).empty()) {
    std::fprintf(stderr, "kafka_topics: --bootstrap is required\n");
    return 2;
  }
  if (const std::string group = absl::GetFlag(FLAGS_coordinator_of); !group.empty()) {
    absl::StatusOr<int32_t> node = GroupCoordinator(group);
    if (!node.ok()) {
      std::fprintf(stderr, "kafka_topics: %s (is the group's consumer running?)\n",
                   node.status().ToString().c_str());
      return 1;
    }
    std::printf("%d\n", *node);
    return 0;
  }
  const std::string topic = absl::GetFlag(FLAGS_topic);
  if (absl::GetFlag(FLAGS_describe)) {
    auto partitions = ingest::DescribePartitions(absl::GetFlag(FLAGS_bootstrap), topic,
                                                 absl::GetFlag(FLAGS_timeout));
    if (!partitions.ok()) {
      std::fprintf(stderr, "kafka_topics: %s\n", partitions.status().ToString().c_str());
      return 1;
    }
    for (const ingest::PartitionReplicas& p : *partitions) {
      std::printf("partition=%d leader=%d replicas=%s isr=%s\n", p.partition, p.leader,
                  absl::StrJoin(p.replicas, ",").c_str(), absl::StrJoin(p.in_sync, ",").c_str());
    }
    return 0;
  }
  for (const std::string& name : {topic, topic + ".dlq"}) {
    ingest::TopicSpec spec{name,
                           absl::GetFlag(FLAGS_partitions),
                           absl::GetFlag(FLAGS_replication_factor),
                           {{"cleanup.policy", "delete"},
                            {"min.insync.replicas",
                             std::to_string(absl::GetFlag(FLAGS_min_insync_replicas))},
                            {"max.message.bytes",
                             std::to_string(absl::GetFlag(FLAGS_max_message_bytes))}}};
    absl::Status status =
        ingest::EnsureTopic(absl::GetFlag(FLAGS_bootstrap), spec, absl::GetFlag(FLAGS_timeout));
    if (!status.ok()) {
      std::fprintf(stderr, "kafka_topics: %s\n", status.ToString().c_str());
      return 1;
    }
    std::printf("topic %s ready (%d partitions)\n", name.c_str(), spec.partitions);
  }
  return 0;
}
