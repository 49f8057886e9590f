#pragma once

// KafkaAdmin: the Kafka admin operations broker-proxy needs, behind a narrow
// interface so its service can be tested with a fake. The librdkafka
// implementation is CreateRdKafkaAdmin() (rdkafka_admin.h).
//
// Every call is bounded by the implementation's timeout; UNAVAILABLE means
// Kafka did not answer in time, UNIMPLEMENTED that the broker lacks the API
// (librdkafka's mock cluster has no DescribeConfigs or DescribeGroups).
// Retrying is safe: nothing here changes data
// except CreateTopic, which is idempotent, and AlterCommittedOffsets, which
// sets absolute offsets and so may be repeated.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ingest {

struct TopicSpec {
  std::string name;
  int partitions = 8;
  int replication_factor = 1;
  // Topic-level configs, e.g. {"cleanup.policy", "delete"}.
  std::map<std::string, std::string> configs;
};

// One partition of a topic as the cluster's metadata describes it.
struct PartitionReplicas {
  int32_t partition = -1;
  int32_t leader = -1;  // broker (node) id; -1 while the partition has no leader
  std::vector<int32_t> replicas;
  std::vector<int32_t> in_sync;
};

struct PartitionWatermarks {
  int32_t partition = -1;
  int64_t low = -1;   // first offset still retained
  int64_t high = -1;  // offset the next record will get
};

struct GroupMember {
  std::string member_id;    // the coordinator's consumer (member) id
  std::string instance_id;  // group.instance.id of a static member, else ""
  std::string client_id;
  std::string host;
  // Assigned partitions, as (topic, partition).
  std::vector<std::pair<std::string, int32_t>> assignment;
};

struct GroupDescription {
  std::string group;
  std::string state;  // librdkafka's names: Stable, PreparingRebalance, Empty, Dead, ...
  std::vector<GroupMember> members;
  // The node id of the broker coordinating the group; -1 if not named.
  int32_t coordinator = -1;
};

// Thread-safe: implementations may be called from many threads at once.
class KafkaAdmin {
 public:
  virtual ~KafkaAdmin() = default;

  // Creates the topic with its partitions, replication factor and configs.
  // ALREADY_EXISTS when a topic of that name exists (nothing is changed).
  virtual absl::Status CreateTopic(const TopicSpec& spec) = 0;

  // Partitions with leader, replicas and ISR, in partition order. NOT_FOUND
  // when the cluster does not know the topic.
  virtual absl::StatusOr<std::vector<PartitionReplicas>> DescribePartitions(
      const std::string& topic) = 0;

  // The topic's effective configuration (every entry the broker reports,
  // defaults included). NOT_FOUND for an unknown topic.
  virtual absl::StatusOr<std::map<std::string, std::string>> DescribeTopicConfigs(
      const std::string& topic) = 0;

  // Low and high watermarks of `partitions` of `topic`, in that order.
  virtual absl::StatusOr<std::vector<PartitionWatermarks>> QueryWatermarks(
      const std::string& topic, const std::vector<int32_t>& partitions) = 0;

  // The offsets `group` committed for `topic`'s `partitions`: partition ->
  // offset, -1 where it committed none.
  virtual absl::StatusOr<std::map<int32_t, int64_t>> CommittedOffsets(
      const std::string& group, const std::string& topic,
      const std::vector<int32_t>& partitions) = 0;

  // The group's state and members with their assignments. A group nobody
  // ever joined answers state "Dead" (Kafka's answer) with no members.
  virtual absl::StatusOr<GroupDescription> DescribeGroup(const std::string& group) = 0;

  // For each of `partitions` of `topic`, the earliest offset whose record's
  // timestamp is at or after `time` (Kafka's ListOffsets by timestamp);
  // -1 where no record is that recent (past the end of the log).
  virtual absl::StatusOr<std::map<int32_t, int64_t>> OffsetsForTime(
      const std::string& topic, const std::vector<int32_t>& partitions, absl::Time time) = 0;

  // Sets `group`'s committed offsets of `topic` (partition -> offset).
  // Kafka refuses (FAILED_PRECONDITION) while the group has members
  // subscribed to the topic.
  virtual absl::Status AlterCommittedOffsets(const std::string& group, const std::string& topic,
                                             const std::map<int32_t, int64_t>& offsets) = 0;

  // The timestamps of the records at `offsets` (partition -> offset) of
  // `topic`, read with one short-lived consumer outside any group. A
  // partition whose record did not arrive within the timeout is missing from
  // the answer.
  virtual absl::StatusOr<std::map<int32_t, absl::Time>> RecordTimestamps(
      const std::string& topic, const std::map<int32_t, int64_t>& offsets) = 0;
};

}  // namespace ingest
