#include "tools/chaos/kafka_watermarks.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/kafka/kafka_config.h"
#include "services/common/kafka/rdkafka_handles.h"
#include "services/common/kafka/topic_admin.h"
#include "services/common/status/kafka_status.h"
#include "services/common/status/status_macros.h"

namespace ingest::chaos {
namespace {

void DropLog(const rd_kafka_t*, int, const char*, const char*) {}
void DropError(rd_kafka_t*, int, const char*, void*) {}

int TimeoutMs(absl::Duration timeout) {
  return static_cast<int>(std::max<int64_t>(1, absl::ToInt64Milliseconds(timeout)));
}

// After this many failed reads in a row the client is made anew: librdkafka
// 2.0.2's client, once every broker was down, can keep timing out its
// ListOffsets requests long after the cluster is back (seen in ./dev chaos
// kafka-down: minutes of stale lag).
constexpr int kFailuresBeforeNewClient = 4;

struct ClientDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using Client = std::unique_ptr<rd_kafka_t, ClientDeleter>;

// A client of its own, outside any group, with its log dropped.
absl::StatusOr<Client> NewClient(const std::string& bootstrap_servers) {
  absl::StatusOr<RdKafkaConfPtr> conf =
      MakeRdKafkaConf({{"bootstrap.servers", bootstrap_servers},
                       {"client.id", "chaos-load-lag"},
                       {"log.connection.close", "false"},
                       // A metadata request must not create the topic.
                       {"allow.auto.create.topics", "false"}});
  if (!conf.ok()) return conf.status();
  rd_kafka_conf_set_log_cb(conf->get(), &DropLog);
  rd_kafka_conf_set_error_cb(conf->get(), &DropError);
  char error[512];
  Client rk(rd_kafka_new(RD_KAFKA_PRODUCER, conf->get(), error, sizeof(error)));
  if (rk == nullptr) {
    return absl::InternalError(absl::StrCat("cannot create a Kafka client: ", error));
  }
  conf->release();  // rd_kafka_new took it
  return rk;
}

class RdKafkaWatermarks final : public PartitionHighWatermarkSource {
 public:
  RdKafkaWatermarks(Client rk, std::string bootstrap_servers, std::string topic, int partitions,
                    absl::Duration read_timeout)
      : rk_(std::move(rk)), bootstrap_servers_(std::move(bootstrap_servers)),
        topic_(std::move(topic)), partitions_(partitions), read_timeout_(read_timeout) {}

  // One ListOffsets request for every partition, asking for the latest
  // offset (timestamp RD_KAFKA_OFFSET_END). Not rd_kafka_query_watermark_offsets:
  // before librdkafka 2.3 (Debian 12 has 2.0.2) it ignores its timeout and
  // hangs while the partition's broker is down (librdkafka #2588, #4460).
  int partition_count() const override { return partitions_; }

  absl::StatusOr<int64_t> SumHighWatermarks() override {
    ASSIGN_OR_RETURN(auto high, ReadHighWatermarks());
    int64_t sum = 0;
    for (const auto& [partition, offset] : high) sum += offset;
    return sum;
  }

  absl::StatusOr<std::map<int32_t, int64_t>> ReadHighWatermarks() override {
    absl::StatusOr<std::map<int32_t, int64_t>> high = ReadOnce();
    if (high.ok()) {
      failures_ = 0;
    } else if (++failures_ >= kFailuresBeforeNewClient) {
      failures_ = 0;
      if (absl::StatusOr<Client> fresh = NewClient(bootstrap_servers_); fresh.ok()) {
        rk_ = *std::move(fresh);
      }
    }
    return high;
  }

 private:
  absl::StatusOr<std::map<int32_t, int64_t>> ReadOnce() {
    RdKafkaPartitionListPtr list(rd_kafka_topic_partition_list_new(partitions_));
    for (int partition = 0; partition < partitions_; ++partition) {
      rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), partition)->offset =
          RD_KAFKA_OFFSET_END;
    }
    const rd_kafka_resp_err_t err =
        rd_kafka_offsets_for_times(rk_.get(), list.get(), TimeoutMs(read_timeout_));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return KafkaErrorToStatus(err, absl::StrCat("high watermarks of ", topic_));
    }
    std::map<int32_t, int64_t> high;
    for (int i = 0; i < list->cnt; ++i) {
      const rd_kafka_topic_partition_t& partition = list->elems[i];
      if (partition.err != RD_KAFKA_RESP_ERR_NO_ERROR || partition.offset < 0) {
        return KafkaErrorToStatus(
            partition.err != RD_KAFKA_RESP_ERR_NO_ERROR ? partition.err
                                                        : RD_KAFKA_RESP_ERR__BAD_MSG,
            absl::StrCat("high watermark of ", topic_, "/", partition.partition));
      }
      high[partition.partition] = partition.offset;
    }
    return high;
  }

  Client rk_;
  const std::string bootstrap_servers_;
  const std::string topic_;
  const int partitions_;
  const absl::Duration read_timeout_;
  int failures_ = 0;  // failed reads in a row
};

}  // namespace

absl::StatusOr<std::unique_ptr<HighWatermarkSource>> ConnectKafkaWatermarks(
    const std::string& bootstrap_servers, const std::string& topic,
    absl::Duration connect_timeout, absl::Duration read_timeout) {
  ASSIGN_OR_RETURN(
      std::unique_ptr<PartitionHighWatermarkSource> source,
      ConnectKafkaPartitionWatermarks(bootstrap_servers, topic, connect_timeout, read_timeout));
  return std::unique_ptr<HighWatermarkSource>(std::move(source));
}

absl::StatusOr<std::unique_ptr<PartitionHighWatermarkSource>> ConnectKafkaPartitionWatermarks(
    const std::string& bootstrap_servers, const std::string& topic,
    absl::Duration connect_timeout, absl::Duration read_timeout) {
  absl::StatusOr<std::vector<PartitionReplicas>> partitions =
      DescribePartitions(bootstrap_servers, topic, connect_timeout);
  if (!partitions.ok()) {
    return absl::Status(partitions.status().code(),
                        absl::StrCat("Kafka at ", bootstrap_servers, ": ",
                                     partitions.status().message()));
  }
  if (partitions->empty()) {
    return absl::FailedPreconditionError(absl::StrCat("topic ", topic, " has no partitions"));
  }
  ASSIGN_OR_RETURN(Client rk, NewClient(bootstrap_servers));
  return std::make_unique<RdKafkaWatermarks>(std::move(rk), bootstrap_servers, topic,
                                             static_cast<int>(partitions->size()), read_timeout);
}

}  // namespace ingest::chaos
