#include "services/common/kafka/testing/mock_cluster.h"

#include "absl/strings/str_cat.h"
#include "services/common/status/kafka_status.h"

namespace ingest {

absl::StatusOr<std::unique_ptr<MockKafkaCluster>> MockKafkaCluster::Start(
    int brokers, const std::vector<TopicSpec>& topics) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char error[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error));
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return absl::InternalError(absl::StrCat("mock cluster handle: ", error));
  }
  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(rk, brokers);
  if (cluster == nullptr) {
    rd_kafka_destroy(rk);
    return absl::InternalError("cannot start librdkafka mock cluster");
  }
  auto mock = std::unique_ptr<MockKafkaCluster>(new MockKafkaCluster(rk, cluster));
  for (const TopicSpec& topic : topics) {
    rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(
        cluster, topic.name.c_str(), topic.partitions, topic.replication_factor);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return KafkaErrorToStatus(err, absl::StrCat("create mock topic ", topic.name));
    }
  }
  return mock;
}

MockKafkaCluster::~MockKafkaCluster() {
  rd_kafka_mock_cluster_destroy(cluster_);
  rd_kafka_destroy(rk_);
}

std::string MockKafkaCluster::bootstrap_servers() const {
  return rd_kafka_mock_cluster_bootstraps(cluster_);
}

}  // namespace ingest
