// kafka_topics: creates the ingest topic (and its dead-letter topic) if
// missing. Idempotent. Until broker-proxy provisions topics, `./dev up` uses
// this. Always cleanup.policy=delete: compaction would lose payloads.
// --describe prints each partition's leader, replicas and in-sync replicas
// instead (`./dev chaos` picks the broker to kill with it), and
// --coordinator_of=GROUP the node id of the broker coordinating GROUP.

#include <cstdio>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "services/common/flags/cli.h"
#include "services/common/kafka/rdkafka_admin.h"
#include "services/common/kafka/topic_admin.h"
#include "services/common/logging/log.h"
#include "services/common/status/status_macros.h"

namespace {

// The flags; the defaults are theirs.
struct Options {
  std::string bootstrap;
  std::string topic = "ingest.tasks";
  int partitions = 8;
  int replication_factor = 1;
  int min_insync_replicas = 1;
  int64_t max_message_bytes = 16 << 20;
  bool describe = false;
  std::string coordinator_of;
  absl::Duration timeout = absl::Seconds(20);
};

void AddFlags(CLI::App& app, Options& o) {
  app.add_option("--bootstrap", o.bootstrap, "Kafka bootstrap servers.")->required();
  app.add_option("--topic", o.topic, "Topic to create (plus <topic>.dlq).")->capture_default_str();
  app.add_option("--partitions", o.partitions, "Partitions.")->capture_default_str();
  app.add_option("--replication_factor", o.replication_factor,
                 "Replication factor (3 in production).")
      ->capture_default_str();
  app.add_option("--min_insync_replicas", o.min_insync_replicas,
                 "min.insync.replicas (2 in production).")
      ->capture_default_str();
  app.add_option("--max_message_bytes", o.max_message_bytes, "Topic max.message.bytes.")
      ->capture_default_str();
  app.add_flag("--describe", o.describe,
               "Create nothing; print one line per partition of --topic: "
               "partition=P leader=B replicas=B,B,B isr=B,B");
  app.add_option("--coordinator_of", o.coordinator_of,
                 "Create nothing; print the node id of the broker that coordinates this "
                 "consumer group (e.g. ingest-workers).");
  ingest::cli::AddDuration(app, "--timeout", o.timeout, "How long to wait for the cluster.");
}

// The node id of the broker coordinating `group` (DescribeConsumerGroups).
absl::StatusOr<int32_t> GroupCoordinator(const Options& o) {
  ASSIGN_OR_RETURN(
      std::unique_ptr<ingest::KafkaAdmin> admin,
      ingest::CreateRdKafkaAdmin({.bootstrap_servers = o.bootstrap, .timeout = o.timeout}));
  ASSIGN_OR_RETURN(ingest::GroupDescription described, admin->DescribeGroup(o.coordinator_of));
  if (described.coordinator < 0) {
    return absl::UnavailableError(
        absl::StrCat("the description of group ", o.coordinator_of, " names no coordinator"));
  }
  return described.coordinator;
}

int Fail(const absl::Status& status, const char* hint = "") {
  std::fprintf(stderr, "kafka_topics: %s%s\n", status.ToString().c_str(), hint);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app(
      "Creates <topic> and <topic>.dlq if missing.\n"
      "Usage: kafka_topics --bootstrap=HOST:PORT [--partitions=8 --replication_factor=1]\n"
      "       kafka_topics --bootstrap=HOST:PORT --describe [--topic=T]\n"
      "       kafka_topics --bootstrap=HOST:PORT --coordinator_of=GROUP",
      "kafka_topics");
  Options o;
  AddFlags(app, o);
  if (std::optional<int> exit = ingest::cli::Parse(app, argc, argv)) return *exit;
  ingest::log::Init("kafka_topics", ingest::log::Format::kText, ingest::log::Level::kWarn);
  if (!o.coordinator_of.empty()) {
    absl::StatusOr<int32_t> node = GroupCoordinator(o);
    if (!node.ok()) return Fail(node.status(), " (is the group's consumer running?)");
    std::printf("%d\n", *node);
    return 0;
  }
  if (o.describe) {
    auto partitions = ingest::DescribePartitions(o.bootstrap, o.topic, o.timeout);
    if (!partitions.ok()) return Fail(partitions.status());
    for (const ingest::PartitionReplicas& p : *partitions) {
      std::printf("partition=%d leader=%d replicas=%s isr=%s\n", p.partition, p.leader,
                  absl::StrJoin(p.replicas, ",").c_str(), absl::StrJoin(p.in_sync, ",").c_str());
    }
    return 0;
  }
  for (const std::string& name : {o.topic, o.topic + ".dlq"}) {
    const ingest::TopicSpec spec{name,
                                 o.partitions,
                                 o.replication_factor,
                                 {{"cleanup.policy", "delete"},
                                  {"min.insync.replicas", std::to_string(o.min_insync_replicas)},
                                  {"max.message.bytes", std::to_string(o.max_message_bytes)}}};
    if (absl::Status status = ingest::EnsureTopic(o.bootstrap, spec, o.timeout); !status.ok()) {
      return Fail(status);
    }
    std::printf("topic %s ready (%d partitions)\n", name.c_str(), spec.partitions);
  }
  return 0;
}
