#include "services/common/kafka/topic_admin.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "services/common/kafka/kafka_config.h"
#include "services/common/status/kafka_status.h"

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
struct NewTopicDeleter {
  void operator()(rd_kafka_NewTopic_t* topic) const { rd_kafka_NewTopic_destroy(topic); }
};
struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* metadata) const { rd_kafka_metadata_destroy(metadata); }
};
struct AdminOptionsDeleter {
  void operator()(rd_kafka_AdminOptions_t* options) const { rd_kafka_AdminOptions_destroy(options); }
};

using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;

// A client handle for admin and metadata requests.
absl::StatusOr<Handle> NewAdminHandle(const std::string& bootstrap_servers) {
  auto conf = MakeRdKafkaConf({{"bootstrap.servers", bootstrap_servers}});
  if (!conf.ok()) return conf.status();
  InstallRdKafkaLogging(conf->get());
  char error[512];
  Handle rk(rd_kafka_new(RD_KAFKA_PRODUCER, conf->get(), error, sizeof(error)));
  if (rk == nullptr) return absl::InvalidArgumentError(absl::StrCat("admin client: ", error));
  conf->release();
  return rk;
}

std::vector<int32_t> SortedIds(const int32_t* ids, int count) {
  std::vector<int32_t> sorted(ids, ids + count);
  std::sort(sorted.begin(), sorted.end());
  return sorted;
}

}  // namespace

absl::Status EnsureTopic(const std::string& bootstrap_servers, const TopicSpec& spec,
                         absl::Duration timeout) {
  absl::StatusOr<Handle> rk = NewAdminHandle(bootstrap_servers);
  if (!rk.ok()) return rk.status();
  char error[512];
  std::unique_ptr<rd_kafka_NewTopic_t, NewTopicDeleter> topic(rd_kafka_NewTopic_new(
      spec.name.c_str(), spec.partitions, spec.replication_factor, error, sizeof(error)));
  if (topic == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("topic ", spec.name, ": ", error));
  }
  for (const auto& [name, value] : spec.configs) {
    rd_kafka_resp_err_t err = rd_kafka_NewTopic_set_config(topic.get(), name.c_str(), value.c_str());
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return KafkaErrorToStatus(err, absl::StrCat("topic config ", name));
    }
  }
  std::unique_ptr<rd_kafka_AdminOptions_t, AdminOptionsDeleter> options(
      rd_kafka_AdminOptions_new(rk->get(), RD_KAFKA_ADMIN_OP_CREATETOPICS));
  const int timeout_ms = static_cast<int>(absl::ToInt64Milliseconds(timeout));
  rd_kafka_AdminOptions_set_operation_timeout(options.get(), timeout_ms, error, sizeof(error));
  rd_kafka_AdminOptions_set_request_timeout(options.get(), timeout_ms, error, sizeof(error));

  std::unique_ptr<rd_kafka_queue_t, QueueDeleter> queue(rd_kafka_queue_new(rk->get()));
  rd_kafka_NewTopic_t* topics[] = {topic.get()};
  rd_kafka_CreateTopics(rk->get(), topics, 1, options.get(), queue.get());
  std::unique_ptr<rd_kafka_event_t, EventDeleter> event(
      rd_kafka_queue_poll(queue.get(), timeout_ms + 1000));
  if (event == nullptr) {
    return absl::UnavailableError(absl::StrCat("create topic ", spec.name, ": no answer from ",
                                               bootstrap_servers, " within the timeout"));
  }
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return KafkaErrorToStatus(rd_kafka_event_error(event.get()),
                              absl::StrCat("create topic ", spec.name));
  }
  const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(event.get());
  size_t count = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(result, &count);
  for (size_t i = 0; i < count; ++i) {
    const rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      continue;
    }
    const char* reason = rd_kafka_topic_result_error_string(results[i]);
    return absl::Status(KafkaErrorCode(err), absl::StrCat("create topic ", spec.name, ": ",
                                                          rd_kafka_err2name(err), ": ",
                                                          reason != nullptr ? reason : ""));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<PartitionReplicas>> DescribePartitions(
    const std::string& bootstrap_servers, const std::string& topic, absl::Duration timeout) {
  absl::StatusOr<Handle> rk = NewAdminHandle(bootstrap_servers);
  if (!rk.ok()) return rk.status();
  struct TopicDeleter {
    void operator()(rd_kafka_topic_t* handle) const { rd_kafka_topic_destroy(handle); }
  };
  std::unique_ptr<rd_kafka_topic_t, TopicDeleter> handle(
      rd_kafka_topic_new(rk->get(), topic.c_str(), nullptr));
  const rd_kafka_metadata_t* raw = nullptr;
  const rd_kafka_resp_err_t err =
      rd_kafka_metadata(rk->get(), 0, handle.get(), &raw,
                        static_cast<int>(absl::ToInt64Milliseconds(timeout)));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return KafkaErrorToStatus(err, absl::StrCat("metadata of ", topic, " from ", bootstrap_servers));
  }
  std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter> metadata(raw);
  if (metadata->topic_cnt != 1 || metadata->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    const rd_kafka_resp_err_t topic_err =
        metadata->topic_cnt == 1 ? metadata->topics[0].err : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
    return absl::NotFoundError(
        absl::StrCat("topic ", topic, ": ", rd_kafka_err2str(topic_err)));
  }
  const rd_kafka_metadata_topic_t& described = metadata->topics[0];
  std::vector<PartitionReplicas> partitions;
  partitions.reserve(static_cast<size_t>(described.partition_cnt));
  for (int i = 0; i < described.partition_cnt; ++i) {
    const rd_kafka_metadata_partition_t& p = described.partitions[i];
    partitions.push_back({.partition = p.id,
                          .leader = p.leader,
                          .replicas = SortedIds(p.replicas, p.replica_cnt),
                          .in_sync = SortedIds(p.isrs, p.isr_cnt)});
  }
  std::sort(partitions.begin(), partitions.end(),
            [](const PartitionReplicas& a, const PartitionReplicas& b) {
              return a.partition < b.partition;
            });
  return partitions;
}

}  // namespace ingest
