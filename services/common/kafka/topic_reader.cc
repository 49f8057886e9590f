#include "services/common/kafka/topic_reader.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <memory>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/kafka/kafka_config.h"
#include "services/common/kafka/rdkafka_handles.h"
#include "services/common/kafka/rdkafka_headers.h"
#include "services/common/kafka/topic_admin.h"
#include "services/common/status/status_macros.h"

namespace ingest {
namespace {

TopicRecord ToRecord(const rd_kafka_message_t& message) {
  TopicRecord record;
  record.partition = message.partition;
  record.offset = message.offset;
  if (message.key != nullptr) record.key.assign(static_cast<const char*>(message.key), message.key_len);
  if (message.payload != nullptr) {
    record.value.assign(static_cast<const char*>(message.payload), message.len);
  }
  CopyHeaders(message, record.headers);
  return record;
}

// A consumer assigned every partition of a topic: no group membership and
// nothing committed.
struct Reader {
  RdKafkaConsumerPtr rk;
  // Partition -> the offset it was assigned at.
  std::map<int32_t, int64_t> start;
};

// Describes `topic` (within `describe_timeout`) and assigns each of its
// partitions from `from[p]`, RD_KAFKA_OFFSET_BEGINNING where absent. An
// offset below the log start (retention deleted it) restarts from the log
// start, never from the end.
absl::StatusOr<Reader> OpenReader(const std::string& bootstrap_servers, const std::string& topic,
                                  absl::string_view label, absl::Duration describe_timeout,
                                  const std::map<int32_t, int64_t>& from) {
  ASSIGN_OR_RETURN(std::vector<PartitionReplicas> partitions,
                   DescribePartitions(bootstrap_servers, topic, describe_timeout));

  ASSIGN_OR_RETURN(auto conf, MakeRdKafkaConf({{"bootstrap.servers", bootstrap_servers},
                                               {"group.id", "ingest-topic-reader"},
                                               {"enable.auto.commit", "false"},
                                               {"auto.offset.reset", "earliest"},
                                               {"enable.partition.eof", "true"}}));
  InstallRdKafkaLogging(conf.get());
  char error[512];
  Reader reader{
      RdKafkaConsumerPtr(rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), error, sizeof(error)))};
  if (reader.rk == nullptr) return absl::InvalidArgumentError(absl::StrCat(label, ": ", error));
  conf.release();
  rd_kafka_poll_set_consumer(reader.rk.get());

  RdKafkaPartitionListPtr assignment(
      rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (const PartitionReplicas& partition : partitions) {
    auto it = from.find(partition.partition);
    const int64_t start = it != from.end() ? it->second : RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), partition.partition)
        ->offset = start;
    reader.start[partition.partition] = start;
  }
  const rd_kafka_resp_err_t assigned = rd_kafka_assign(reader.rk.get(), assignment.get());
  if (assigned != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::InternalError(absl::StrCat("assign ", topic, ": ", rd_kafka_err2str(assigned)));
  }
  return reader;
}

}  // namespace

std::string TopicRecord::Header(absl::string_view name) const {
  const std::string* value = FindHeader(headers, name);
  return value != nullptr ? *value : "<absent>";
}

absl::StatusOr<std::vector<TopicRecord>> ReadTopicFromStart(const std::string& bootstrap_servers,
                                                            const std::string& topic,
                                                            const ReadTopicOptions& options) {
  absl::StatusOr<Reader> reader =
      OpenReader(bootstrap_servers, topic, "topic reader", options.timeout, {});
  if (!reader.ok()) return reader.status();
  const size_t partitions = reader->start.size();

  std::vector<TopicRecord> records;
  std::set<int32_t> at_end;
  const absl::Time deadline = absl::Now() + options.timeout;
  while (absl::Now() < deadline && records.size() < options.max_records &&
         !(records.size() >= options.at_least && at_end.size() == partitions)) {
    RdKafkaMessagePtr message(rd_kafka_consumer_poll(reader->rk.get(), 100));
    if (message == nullptr) continue;
    if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      at_end.insert(message->partition);
    } else if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      at_end.erase(message->partition);
      records.push_back(ToRecord(*message));
    }
    // Other errors (a broker restarting) are retried by librdkafka.
  }
  return records;
}

absl::StatusOr<TopicScanEnd> ScanTopic(const std::string& bootstrap_servers,
                                       const std::string& topic,
                                       const std::map<int32_t, int64_t>& from, absl::Time deadline,
                                       absl::FunctionRef<bool(const TopicRecord&)> visit) {
  ASSIGN_OR_RETURN(Reader reader,
                   OpenReader(bootstrap_servers, topic, "topic scan",
                              std::max(deadline - absl::Now(), absl::Milliseconds(1)), from));

  const size_t partitions = reader.start.size();
  TopicScanEnd end;
  end.next = reader.start;
  std::set<int32_t> at_end;
  while (absl::Now() < deadline) {
    if (at_end.size() == partitions) {
      end.at_end = true;
      break;
    }
    const int wait_ms = static_cast<int>(
        std::clamp<int64_t>(absl::ToInt64Milliseconds(deadline - absl::Now()), 1, 100));
    RdKafkaMessagePtr message(rd_kafka_consumer_poll(reader.rk.get(), wait_ms));
    if (message == nullptr) continue;
    if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      at_end.insert(message->partition);
      // The end offset: where a later scan of this partition resumes.
      if (message->offset >= 0) end.next[message->partition] = message->offset;
    } else if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      at_end.erase(message->partition);
      const TopicRecord record = ToRecord(*message);
      ++end.visited;
      end.next[record.partition] = record.offset + 1;
      if (!visit(record)) {
        end.stopped = true;
        break;
      }
    }
    // Other errors (a broker restarting) are retried by librdkafka.
  }
  return end;
}

}  // namespace ingest
