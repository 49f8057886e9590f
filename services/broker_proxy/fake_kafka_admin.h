#pragma once

// An in-memory KafkaAdmin for broker-proxy's tests: topics with partitions,
// configs and watermarks; one group's offsets and members; record
// timestamps (for time lookups). Thread-safe.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "services/common/kafka/kafka_admin.h"

namespace ingest {

class FakeKafkaAdmin final : public KafkaAdmin {
 public:
  struct Topic {
    std::vector<PartitionReplicas> partitions;
    std::map<std::string, std::string> configs;
    std::vector<PartitionWatermarks> watermarks;
  };

  // Adds a topic of `partitions` partitions, each with replicas 1..rf all in
  // sync, empty (watermarks 0).
  void AddTopic(const std::string& name, int partitions, int rf,
                std::map<std::string, std::string> configs) {
    absl::MutexLock lock(&mutex_);
    Topic topic;
    for (int p = 0; p < partitions; ++p) {
      PartitionReplicas replicas{.partition = p, .leader = 1};
      for (int id = 1; id <= rf; ++id) {
        replicas.replicas.push_back(id);
        replicas.in_sync.push_back(id);
      }
      topic.partitions.push_back(replicas);
      topic.watermarks.push_back({p, 0, 0});
    }
    topic.configs = std::move(configs);
    topics_[name] = std::move(topic);
  }

  // Direct access for test setup.
  Topic& topic(const std::string& name) {
    absl::MutexLock lock(&mutex_);
    return topics_.at(name);
  }

  absl::Status CreateTopic(const TopicSpec& spec) override {
    {
      absl::MutexLock lock(&mutex_);
      created_.push_back(spec);
      if (topics_.contains(spec.name)) return absl::AlreadyExistsError(spec.name);
    }
    AddTopic(spec.name, spec.partitions, spec.replication_factor, spec.configs);
    absl::MutexLock lock(&mutex_);
    unseen_after_create_[spec.name] = metadata_lag_;
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<PartitionReplicas>> DescribePartitions(
      const std::string& topic) override {
    absl::MutexLock lock(&mutex_);
    if (!unavailable_.ok()) return unavailable_;
    auto it = topics_.find(topic);
    if (it == topics_.end()) return absl::NotFoundError(absl::StrCat("topic ", topic));
    if (int& unseen = unseen_after_create_[topic]; unseen > 0) {
      --unseen;  // the broker's metadata does not show the new topic yet
      return absl::NotFoundError(absl::StrCat("topic ", topic, " does not exist"));
    }
    return it->second.partitions;
  }
  absl::StatusOr<std::map<std::string, std::string>> DescribeTopicConfigs(
      const std::string& topic) override {
    absl::MutexLock lock(&mutex_);
    ++describe_configs_calls_;
    auto it = topics_.find(topic);
    if (it == topics_.end()) return absl::NotFoundError(absl::StrCat("topic ", topic));
    if (!describe_configs_error_.ok()) return describe_configs_error_;
    return it->second.configs;
  }
  absl::StatusOr<std::vector<PartitionWatermarks>> QueryWatermarks(
      const std::string& topic, const std::vector<int32_t>&) override {
    absl::MutexLock lock(&mutex_);
    if (watermark_failures_ > 0) {  // a new topic whose leaders are not elected yet
      --watermark_failures_;
      return absl::UnavailableError("NOT_LEADER_FOR_PARTITION: Broker: Not leader for partition");
    }
    return topics_.at(topic).watermarks;
  }
  absl::StatusOr<std::map<int32_t, int64_t>> CommittedOffsets(
      const std::string&, const std::string&, const std::vector<int32_t>& partitions) override {
    absl::MutexLock lock(&mutex_);
    std::map<int32_t, int64_t> offsets;
    for (int32_t p : partitions) offsets[p] = committed_.contains(p) ? committed_[p] : -1;
    return offsets;
  }
  absl::StatusOr<GroupDescription> DescribeGroup(const std::string& group) override {
    absl::MutexLock lock(&mutex_);
    if (!describe_group_error_.ok()) return describe_group_error_;
    if (describe_group_calls_++ == 1 && group_on_second_describe_.has_value()) {
      group_ = *group_on_second_describe_;  // the group changed meanwhile
    }
    GroupDescription description = group_;
    description.group = group;
    return description;
  }
  // From `timestamps_`: per partition, the lowest offset whose timestamp is
  // at or after `time`, else -1.
  absl::StatusOr<std::map<int32_t, int64_t>> OffsetsForTime(const std::string&,
                                                            const std::vector<int32_t>& partitions,
                                                            absl::Time time) override {
    absl::MutexLock lock(&mutex_);
    std::map<int32_t, int64_t> found;
    for (int32_t p : partitions) {
      found[p] = -1;
      for (const auto& [position, stamp] : timestamps_) {
        if (position.first == p && stamp >= time) {
          found[p] = position.second;
          break;  // ordered by offset
        }
      }
    }
    return found;
  }
  absl::Status AlterCommittedOffsets(const std::string&, const std::string&,
                                     const std::map<int32_t, int64_t>& offsets) override {
    absl::MutexLock lock(&mutex_);
    ++alter_calls_;
    if (!alter_status_.ok()) return alter_status_;
    for (const auto& [p, offset] : offsets) committed_[p] = offset;
    return absl::OkStatus();
  }
  absl::StatusOr<std::map<int32_t, absl::Time>> RecordTimestamps(
      const std::string&, const std::map<int32_t, int64_t>& offsets) override {
    absl::MutexLock lock(&mutex_);
    std::map<int32_t, absl::Time> found;
    for (const auto& [partition, offset] : offsets) {
      auto it = timestamps_.find({partition, offset});
      if (it != timestamps_.end()) found[partition] = it->second;
    }
    return found;
  }

  absl::Mutex mutex_;
  std::map<std::string, Topic> topics_ ABSL_GUARDED_BY(mutex_);
  std::vector<TopicSpec> created_ ABSL_GUARDED_BY(mutex_);
  std::map<int32_t, int64_t> committed_ ABSL_GUARDED_BY(mutex_);
  GroupDescription group_ ABSL_GUARDED_BY(mutex_);
  // Non-OK: DescribeTopicConfigs answers it for an existing topic.
  absl::Status describe_configs_error_ ABSL_GUARDED_BY(mutex_);
  int describe_configs_calls_ ABSL_GUARDED_BY(mutex_) = 0;
  // Non-OK: DescribeGroup answers it (a cluster that cannot describe groups).
  absl::Status describe_group_error_ ABSL_GUARDED_BY(mutex_);
  // Set: from the second DescribeGroup on, the group is this.
  std::optional<GroupDescription> group_on_second_describe_ ABSL_GUARDED_BY(mutex_);
  int describe_group_calls_ ABSL_GUARDED_BY(mutex_) = 0;
  std::map<std::pair<int32_t, int64_t>, absl::Time> timestamps_ ABSL_GUARDED_BY(mutex_);
  absl::Status unavailable_ ABSL_GUARDED_BY(mutex_);
  int watermark_failures_ ABSL_GUARDED_BY(mutex_) = 0;
  // A topic CreateTopic made is missing from this many DescribePartitions
  // answers after (metadata that has not caught up yet).
  int metadata_lag_ ABSL_GUARDED_BY(mutex_) = 0;
  std::map<std::string, int> unseen_after_create_ ABSL_GUARDED_BY(mutex_);
  absl::Status alter_status_ ABSL_GUARDED_BY(mutex_);
  int alter_calls_ ABSL_GUARDED_BY(mutex_) = 0;
};

}  // namespace ingest
