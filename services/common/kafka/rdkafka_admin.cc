#include "services/common/kafka/rdkafka_admin.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <memory>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/kafka/kafka_config.h"
#include "services/common/kafka/rdkafka_handles.h"
#include "services/common/status/kafka_status.h"
#include "services/common/status/status_macros.h"

namespace ingest {
namespace {

struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
struct QueueDeleter {
  void operator()(rd_kafka_queue_t* queue) const { rd_kafka_queue_destroy(queue); }
};
struct EventDeleter {
  void operator()(rd_kafka_event_t* event) const { rd_kafka_event_destroy(event); }
};
struct OptionsDeleter {
  void operator()(rd_kafka_AdminOptions_t* options) const { rd_kafka_AdminOptions_destroy(options); }
};
using Event = std::unique_ptr<rd_kafka_event_t, EventDeleter>;

// The error of an rd_kafka_error_t as a Status (OK for null).
absl::Status ErrorToStatus(const rd_kafka_error_t* error, absl::string_view context) {
  if (error == nullptr || rd_kafka_error_code(error) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::OkStatus();
  }
  return absl::Status(KafkaErrorCode(rd_kafka_error_code(error)),
                      absl::StrCat(context, ": ", rd_kafka_error_name(error), ": ",
                                   rd_kafka_error_string(error)));
}

// An admin request a cluster with only the basic API is not sent.
absl::Status NotAsked(absl::string_view context) {
  return absl::UnimplementedError(absl::StrCat(
      context, ": not asked (this cluster answers only metadata, offset and fetch requests)"));
}

// The partitions of the single group in a ListConsumerGroupOffsets or
// AlterConsumerGroupOffsets answer (may be null), or that group's error.
absl::StatusOr<const rd_kafka_topic_partition_list_t*> OnlyGroupPartitions(
    const rd_kafka_group_result_t** groups, size_t count, const std::string& context) {
  if (count != 1) return absl::InternalError(absl::StrCat(context, ": no group in the answer"));
  if (absl::Status status = ErrorToStatus(rd_kafka_group_result_error(groups[0]), context);
      !status.ok()) {
    return status;
  }
  return rd_kafka_group_result_partitions(groups[0]);
}

class RdKafkaAdmin final : public KafkaAdmin {
 public:
  RdKafkaAdmin(RdKafkaAdminOptions options, rd_kafka_t* rk)
      : options_(std::move(options)), rk_(rk) {}

  absl::Status CreateTopic(const TopicSpec& spec) override {
    char error[512];
    std::unique_ptr<rd_kafka_NewTopic_t, void (*)(rd_kafka_NewTopic_t*)> topic(
        rd_kafka_NewTopic_new(spec.name.c_str(), spec.partitions, spec.replication_factor, error,
                              sizeof(error)),
        rd_kafka_NewTopic_destroy);
    if (topic == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("topic ", spec.name, ": ", error));
    }
    for (const auto& [name, value] : spec.configs) {
      rd_kafka_resp_err_t err =
          rd_kafka_NewTopic_set_config(topic.get(), name.c_str(), value.c_str());
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return KafkaErrorToStatus(err, absl::StrCat("topic config ", name));
      }
    }
    const std::string context = absl::StrCat("create topic ", spec.name);
    if (!options_.full_admin_api) return NotAsked(context);
    ASSIGN_OR_RETURN(
        Event event,
        Run(RD_KAFKA_ADMIN_OP_CREATETOPICS, RD_KAFKA_EVENT_CREATETOPICS_RESULT, context,
            [&](const rd_kafka_AdminOptions_t* admin_options, rd_kafka_queue_t* queue) {
              rd_kafka_NewTopic_t* topics[] = {topic.get()};
              rd_kafka_CreateTopics(rk_.get(), topics, 1, admin_options, queue);
            }));
    size_t count = 0;
    const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(
        rd_kafka_event_CreateTopics_result(event.get()), &count);
    for (size_t i = 0; i < count; ++i) {
      const rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
      const char* reason = rd_kafka_topic_result_error_string(results[i]);
      const absl::StatusCode code = err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS
                                        ? absl::StatusCode::kAlreadyExists
                                    : err == RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR ||
                                            err == RD_KAFKA_RESP_ERR_INVALID_PARTITIONS ||
                                            err == RD_KAFKA_RESP_ERR_INVALID_CONFIG ||
                                            err == RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION ||
                                            err == RD_KAFKA_RESP_ERR_POLICY_VIOLATION
                                        ? absl::StatusCode::kInvalidArgument
                                        : KafkaErrorCode(err);
      return absl::Status(code, absl::StrCat(context, ": ", rd_kafka_err2name(err), ": ",
                                             reason != nullptr ? reason : ""));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<PartitionReplicas>> DescribePartitions(
      const std::string& topic) override {
    // On this handle (allow.auto.create.topics=false), so asking about a
    // topic never creates it.
    std::unique_ptr<rd_kafka_topic_t, void (*)(rd_kafka_topic_t*)> handle(
        rd_kafka_topic_new(rk_.get(), topic.c_str(), nullptr), rd_kafka_topic_destroy);
    const rd_kafka_metadata_t* raw = nullptr;
    const rd_kafka_resp_err_t err =
        rd_kafka_metadata(rk_.get(), 0, handle.get(), &raw,
                          static_cast<int>(absl::ToInt64Milliseconds(options_.timeout)));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return KafkaErrorToStatus(err, absl::StrCat("metadata of ", topic, " from ",
                                                  options_.bootstrap_servers));
    }
    std::unique_ptr<const rd_kafka_metadata_t, void (*)(const rd_kafka_metadata_t*)> metadata(
        raw, rd_kafka_metadata_destroy);
    if (metadata->topic_cnt != 1 || metadata->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return absl::NotFoundError(absl::StrCat("topic ", topic, " does not exist"));
    }
    const rd_kafka_metadata_topic_t& described = metadata->topics[0];
    std::vector<PartitionReplicas> partitions;
    for (int i = 0; i < described.partition_cnt; ++i) {
      const rd_kafka_metadata_partition_t& p = described.partitions[i];
      PartitionReplicas replicas{.partition = p.id, .leader = p.leader};
      replicas.replicas.assign(p.replicas, p.replicas + p.replica_cnt);
      replicas.in_sync.assign(p.isrs, p.isrs + p.isr_cnt);
      std::sort(replicas.replicas.begin(), replicas.replicas.end());
      std::sort(replicas.in_sync.begin(), replicas.in_sync.end());
      partitions.push_back(std::move(replicas));
    }
    std::sort(partitions.begin(), partitions.end(),
              [](const PartitionReplicas& a, const PartitionReplicas& b) {
                return a.partition < b.partition;
              });
    return partitions;
  }

  absl::StatusOr<std::map<std::string, std::string>> DescribeTopicConfigs(
      const std::string& topic) override {
    std::unique_ptr<rd_kafka_ConfigResource_t, void (*)(rd_kafka_ConfigResource_t*)> resource(
        rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str()),
        rd_kafka_ConfigResource_destroy);
    const std::string context = absl::StrCat("describe configs of topic ", topic);
    if (!options_.full_admin_api) return NotAsked(context);
    ASSIGN_OR_RETURN(
        Event event,
        Run(RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT, context,
            [&](const rd_kafka_AdminOptions_t* admin_options, rd_kafka_queue_t* queue) {
              rd_kafka_ConfigResource_t* resources[] = {resource.get()};
              rd_kafka_DescribeConfigs(rk_.get(), resources, 1, admin_options, queue);
            }));
    size_t count = 0;
    const rd_kafka_ConfigResource_t** results = rd_kafka_DescribeConfigs_result_resources(
        rd_kafka_event_DescribeConfigs_result(event.get()), &count);
    if (count != 1) return absl::InternalError(absl::StrCat(context, ": no resource in the answer"));
    const rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(results[0]);
    if (err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
      return absl::NotFoundError(absl::StrCat("topic ", topic, " does not exist"));
    }
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaErrorToStatus(err, context);
    std::map<std::string, std::string> configs;
    size_t entries = 0;
    const rd_kafka_ConfigEntry_t** entry = rd_kafka_ConfigResource_configs(results[0], &entries);
    for (size_t i = 0; i < entries; ++i) {
      const char* value = rd_kafka_ConfigEntry_value(entry[i]);
      configs[rd_kafka_ConfigEntry_name(entry[i])] = value != nullptr ? value : "";
    }
    return configs;
  }

  // Two ListOffsets requests (earliest, latest) for every partition at once.
  // Not rd_kafka_query_watermark_offsets: in librdkafka before 2.3 (Debian
  // 12 has 2.0.2) it ignores its timeout and hangs while the partition's
  // broker is down (librdkafka #2588, #4460), and with it broker-proxy's
  // lag RPC.
  absl::StatusOr<std::vector<PartitionWatermarks>> QueryWatermarks(
      const std::string& topic, const std::vector<int32_t>& partitions) override {
    const std::string context = absl::StrCat("watermarks of ", topic);
    ASSIGN_OR_RETURN(auto low, ListOffsets(topic, partitions, RD_KAFKA_OFFSET_BEGINNING, context));
    ASSIGN_OR_RETURN(auto high, ListOffsets(topic, partitions, RD_KAFKA_OFFSET_END, context));
    std::vector<PartitionWatermarks> watermarks;
    for (int32_t partition : partitions) {
      watermarks.push_back(
          {.partition = partition, .low = low[partition], .high = high[partition]});
      if (watermarks.back().low < 0 || watermarks.back().high < 0) {
        return absl::UnavailableError(
            absl::StrCat(context, "/", partition, ": the broker gave no offset"));
      }
    }
    return watermarks;
  }

  absl::StatusOr<std::map<int32_t, int64_t>> CommittedOffsets(
      const std::string& group, const std::string& topic,
      const std::vector<int32_t>& partitions) override {
    RdKafkaPartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
    for (int32_t partition : partitions) {
      rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition);
    }
    std::unique_ptr<rd_kafka_ListConsumerGroupOffsets_t,
                    void (*)(rd_kafka_ListConsumerGroupOffsets_t*)>
        request(rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), list.get()),
                rd_kafka_ListConsumerGroupOffsets_destroy);
    const std::string context = absl::StrCat("committed offsets of group ", group);
    ASSIGN_OR_RETURN(
        Event event,
        Run(RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS,
            RD_KAFKA_EVENT_LISTCONSUMERGROUPOFFSETS_RESULT, context,
            [&](const rd_kafka_AdminOptions_t* admin_options, rd_kafka_queue_t* queue) {
              rd_kafka_ListConsumerGroupOffsets_t* requests[] = {request.get()};
              rd_kafka_ListConsumerGroupOffsets(rk_.get(), requests, 1, admin_options, queue);
            }));
    size_t count = 0;
    const rd_kafka_group_result_t** groups = rd_kafka_ListConsumerGroupOffsets_result_groups(
        rd_kafka_event_ListConsumerGroupOffsets_result(event.get()), &count);
    ASSIGN_OR_RETURN(const rd_kafka_topic_partition_list_t* answer,
                     OnlyGroupPartitions(groups, count, context));
    std::map<int32_t, int64_t> offsets;
    for (int32_t partition : partitions) offsets[partition] = -1;
    for (int i = 0; answer != nullptr && i < answer->cnt; ++i) {
      const rd_kafka_topic_partition_t& p = answer->elems[i];
      if (topic == p.topic && p.err == RD_KAFKA_RESP_ERR_NO_ERROR && p.offset >= 0) {
        offsets[p.partition] = p.offset;
      }
    }
    return offsets;
  }

  absl::StatusOr<GroupDescription> DescribeGroup(const std::string& group) override {
    const std::string context = absl::StrCat("describe group ", group);
    if (!options_.full_admin_api) return NotAsked(context);
    ASSIGN_OR_RETURN(
        Event event,
        Run(RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, RD_KAFKA_EVENT_DESCRIBECONSUMERGROUPS_RESULT,
            context, [&](const rd_kafka_AdminOptions_t* admin_options, rd_kafka_queue_t* queue) {
              const char* groups[] = {group.c_str()};
              rd_kafka_DescribeConsumerGroups(rk_.get(), groups, 1, admin_options, queue);
            }));
    size_t count = 0;
    const rd_kafka_ConsumerGroupDescription_t** groups =
        rd_kafka_DescribeConsumerGroups_result_groups(
            rd_kafka_event_DescribeConsumerGroups_result(event.get()), &count);
    if (count != 1) return absl::InternalError(absl::StrCat(context, ": no group in the answer"));
    const rd_kafka_ConsumerGroupDescription_t* described = groups[0];
    if (absl::Status status =
            ErrorToStatus(rd_kafka_ConsumerGroupDescription_error(described), context);
        !status.ok()) {
      return status;
    }
    GroupDescription description;
    description.group = group;
    description.state =
        rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(described));
    if (const rd_kafka_Node_t* coordinator =
            rd_kafka_ConsumerGroupDescription_coordinator(described);
        coordinator != nullptr) {
      description.coordinator = static_cast<int32_t>(rd_kafka_Node_id(coordinator));
    }
    const size_t members = rd_kafka_ConsumerGroupDescription_member_count(described);
    for (size_t i = 0; i < members; ++i) {
      const rd_kafka_MemberDescription_t* m = rd_kafka_ConsumerGroupDescription_member(described, i);
      const auto text = [](const char* value) { return value != nullptr ? value : ""; };
      GroupMember member{.member_id = text(rd_kafka_MemberDescription_consumer_id(m)),
                         .instance_id = text(rd_kafka_MemberDescription_group_instance_id(m)),
                         .client_id = text(rd_kafka_MemberDescription_client_id(m)),
                         .host = text(rd_kafka_MemberDescription_host(m))};
      const rd_kafka_MemberAssignment_t* assignment = rd_kafka_MemberDescription_assignment(m);
      const rd_kafka_topic_partition_list_t* partitions =
          assignment != nullptr ? rd_kafka_MemberAssignment_partitions(assignment) : nullptr;
      for (int j = 0; partitions != nullptr && j < partitions->cnt; ++j) {
        member.assignment.emplace_back(partitions->elems[j].topic, partitions->elems[j].partition);
      }
      description.members.push_back(std::move(member));
    }
    return description;
  }

  absl::StatusOr<std::map<int32_t, int64_t>> OffsetsForTime(
      const std::string& topic, const std::vector<int32_t>& partitions, absl::Time time) override {
    ASSIGN_OR_RETURN(auto offsets, ListOffsets(topic, partitions, absl::ToUnixMillis(time),
                                               absl::StrCat("offsets of ", topic, " at ",
                                                            absl::FormatTime(time))));
    // RD_KAFKA_OFFSET_END (-1): no record that recent.
    for (auto& [partition, offset] : offsets) offset = std::max<int64_t>(offset, -1);
    return offsets;
  }

  absl::Status AlterCommittedOffsets(const std::string& group, const std::string& topic,
                                     const std::map<int32_t, int64_t>& offsets) override {
    if (offsets.empty()) return absl::OkStatus();
    RdKafkaPartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
    for (const auto& [partition, offset] : offsets) {
      rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = offset;
    }
    std::unique_ptr<rd_kafka_AlterConsumerGroupOffsets_t,
                    void (*)(rd_kafka_AlterConsumerGroupOffsets_t*)>
        request(rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), list.get()),
                rd_kafka_AlterConsumerGroupOffsets_destroy);
    const std::string context = absl::StrCat("alter committed offsets of group ", group);
    ASSIGN_OR_RETURN(
        Event event,
        Run(RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS,
            RD_KAFKA_EVENT_ALTERCONSUMERGROUPOFFSETS_RESULT, context,
            [&](const rd_kafka_AdminOptions_t* admin_options, rd_kafka_queue_t* queue) {
              rd_kafka_AlterConsumerGroupOffsets_t* requests[] = {request.get()};
              rd_kafka_AlterConsumerGroupOffsets(rk_.get(), requests, 1, admin_options, queue);
            }));
    size_t count = 0;
    const rd_kafka_group_result_t** groups = rd_kafka_AlterConsumerGroupOffsets_result_groups(
        rd_kafka_event_AlterConsumerGroupOffsets_result(event.get()), &count);
    ASSIGN_OR_RETURN(const rd_kafka_topic_partition_list_t* answer,
                     OnlyGroupPartitions(groups, count, context));
    for (int i = 0; answer != nullptr && i < answer->cnt; ++i) {
      const rd_kafka_topic_partition_t& p = answer->elems[i];
      if (p.err == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
      // A group that is (again) consuming the topic refuses the change.
      const bool active = p.err == RD_KAFKA_RESP_ERR_GROUP_SUBSCRIBED_TO_TOPIC ||
                          p.err == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID ||
                          p.err == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS ||
                          p.err == RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION;
      return absl::Status(active ? absl::StatusCode::kFailedPrecondition : KafkaErrorCode(p.err),
                          absl::StrCat(context, ", ", p.topic, "/", p.partition, ": ",
                                       rd_kafka_err2name(p.err), ": ", rd_kafka_err2str(p.err)));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::map<int32_t, absl::Time>> RecordTimestamps(
      const std::string& topic, const std::map<int32_t, int64_t>& offsets) override {
    std::map<int32_t, absl::Time> timestamps;
    if (offsets.empty()) return timestamps;
    // Assigned explicitly, never subscribed and never committing: the group
    // id only satisfies librdkafka and joins nothing.
    ASSIGN_OR_RETURN(auto conf, MakeRdKafkaConf({{"bootstrap.servers", options_.bootstrap_servers},
                                                 {"group.id", "ingest-broker-proxy-peek"},
                                                 {"enable.auto.commit", "false"},
                                                 {"enable.auto.offset.store", "false"},
                                                 {"fetch.max.bytes", "1048576"},
                                                 {"max.partition.fetch.bytes", "65536"}}));
    InstallRdKafkaLogging(conf.get());
    char error[512];
    RdKafkaConsumerPtr consumer(rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), error, sizeof(error)));
    if (consumer == nullptr) {
      return absl::InternalError(absl::StrCat("timestamp reader: ", error));
    }
    conf.release();
    rd_kafka_poll_set_consumer(consumer.get());
    RdKafkaPartitionListPtr assignment(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
    for (const auto& [partition, offset] : offsets) {
      rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), partition)->offset = offset;
    }
    if (rd_kafka_resp_err_t err = rd_kafka_assign(consumer.get(), assignment.get());
        err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return KafkaErrorToStatus(err, absl::StrCat("assign ", topic));
    }
    const absl::Time deadline = absl::Now() + options_.timeout;
    while (timestamps.size() < offsets.size() && absl::Now() < deadline) {
      RdKafkaMessagePtr message(
          rd_kafka_consumer_poll(consumer.get(), 100));
      if (message == nullptr || message->err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
      auto wanted = offsets.find(message->partition);
      if (wanted == offsets.end() || timestamps.contains(message->partition)) continue;
      // The first record at or after the resume offset (compaction or
      // transactions can leave holes).
      if (message->offset < wanted->second) continue;
      rd_kafka_timestamp_type_t type;
      const int64_t ms = rd_kafka_message_timestamp(message.get(), &type);
      if (ms >= 0) timestamps[message->partition] = absl::FromUnixMillis(ms);
    }
    return timestamps;
  }

 private:
  // One ListOffsets request for `partitions` of `topic`: per partition the
  // offset for `query`, a timestamp in Unix ms or RD_KAFKA_OFFSET_BEGINNING /
  // RD_KAFKA_OFFSET_END. Bounded by options_.timeout.
  absl::StatusOr<std::map<int32_t, int64_t>> ListOffsets(const std::string& topic,
                                                         const std::vector<int32_t>& partitions,
                                                         int64_t query,
                                                         const std::string& context) {
    std::map<int32_t, int64_t> offsets;
    if (partitions.empty()) return offsets;
    RdKafkaPartitionListPtr list(
        rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
    for (int32_t partition : partitions) {
      rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = query;
    }
    const rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(
        rk_.get(), list.get(), static_cast<int>(absl::ToInt64Milliseconds(options_.timeout)));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaErrorToStatus(err, context);
    for (int i = 0; i < list->cnt; ++i) {
      const rd_kafka_topic_partition_t& p = list->elems[i];
      if (p.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return KafkaErrorToStatus(p.err, absl::StrCat(context, " (partition ", p.partition, ")"));
      }
      offsets[p.partition] = p.offset;
    }
    return offsets;
  }

  // Sends one admin request with `send` and waits for its result event.
  template <typename Send>
  absl::StatusOr<Event> Run(rd_kafka_admin_op_t op, rd_kafka_event_type_t expected,
                            const std::string& context, Send send) {
    char error[512];
    std::unique_ptr<rd_kafka_AdminOptions_t, OptionsDeleter> admin_options(
        rd_kafka_AdminOptions_new(rk_.get(), op));
    const int timeout_ms = static_cast<int>(absl::ToInt64Milliseconds(options_.timeout));
    rd_kafka_AdminOptions_set_request_timeout(admin_options.get(), timeout_ms, error, sizeof(error));
    if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS) {
      rd_kafka_AdminOptions_set_operation_timeout(admin_options.get(), timeout_ms, error,
                                                  sizeof(error));
    }
    std::unique_ptr<rd_kafka_queue_t, QueueDeleter> queue(rd_kafka_queue_new(rk_.get()));
    send(admin_options.get(), queue.get());
    Event event(rd_kafka_queue_poll(queue.get(), timeout_ms + 1000));
    if (event == nullptr) {
      return absl::UnavailableError(absl::StrCat(context, ": no answer from ",
                                                 options_.bootstrap_servers, " within ",
                                                 absl::FormatDuration(options_.timeout)));
    }
    if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const rd_kafka_resp_err_t err = rd_kafka_event_error(event.get());
      // A broker (or librdkafka's mock) without this API.
      const bool unsupported = err == RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE ||
                               err == RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION;
      return absl::Status(unsupported ? absl::StatusCode::kUnimplemented : KafkaErrorCode(err), absl::StrCat(context, ": ", rd_kafka_err2name(err),
                                                            ": ", rd_kafka_event_error_string(event.get())));
    }
    if (rd_kafka_event_type(event.get()) != expected) {
      return absl::InternalError(absl::StrCat(context, ": unexpected answer ",
                                              rd_kafka_event_name(event.get())));
    }
    return event;
  }

  const RdKafkaAdminOptions options_;
  std::unique_ptr<rd_kafka_t, HandleDeleter> rk_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<KafkaAdmin>> CreateRdKafkaAdmin(const RdKafkaAdminOptions& options) {
  if (options.bootstrap_servers.empty()) {
    return absl::InvalidArgumentError("Kafka bootstrap servers are required (HOST:PORT[,...])");
  }
  ASSIGN_OR_RETURN(auto conf, MakeRdKafkaConf({{"bootstrap.servers", options.bootstrap_servers},
                                               {"allow.auto.create.topics", "false"}}));
  if (options.quiet) {
    rd_kafka_conf_set_log_cb(conf.get(), [](const rd_kafka_t*, int, const char*, const char*) {});
    rd_kafka_conf_set_error_cb(conf.get(), [](rd_kafka_t*, int, const char*, void*) {});
  } else {
    InstallRdKafkaLogging(conf.get());
  }
  char error[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), error, sizeof(error));
  if (rk == nullptr) return absl::InvalidArgumentError(absl::StrCat("Kafka admin client: ", error));
  conf.release();
  return std::unique_ptr<KafkaAdmin>(new RdKafkaAdmin(options, rk));
}

}  // namespace ingest
