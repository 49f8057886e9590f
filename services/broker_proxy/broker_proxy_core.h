#pragma once

// BrokerProxyCore: what broker-proxy does, without gRPC. Takes and returns
// the admin.proto messages, errors as absl::Status (mapped to gRPC only in
// BrokerProxyService):
//   INVALID_ARGUMENT     bad topic/group names or settings
//   FAILED_PRECONDITION  unsafe settings, requested or found (every finding
//                        listed), or a topic that does not exist
//   UNAVAILABLE          Kafka or PostgreSQL did not answer in time
//
// Calls block on Kafka and PostgreSQL (each request bounded by the admin
// timeout): call them off gRPC's callback threads. Thread-safe: the
// collaborators are.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ingest/v1/admin.pb.h"
#include "services/broker_proxy/database_offsets.h"
#include "services/broker_proxy/topic_safety.h"
#include "services/common/kafka/kafka_admin.h"

namespace ingest {

struct BrokerProxyCoreOptions {
  // Defaults of a TopicSpec's unset fields (local values; production: RF 3,
  // min ISR 2 from the Kubernetes manifests).
  std::string default_topic = "ingest.tasks";
  std::string default_group = "ingest-workers";
  int32_t partitions = 8;
  int32_t replication_factor = 1;
  int32_t min_insync_replicas = 1;
  int64_t retention_ms = 7 * 24 * 3600 * 1000LL;
  int64_t max_message_bytes = 16 << 20;
  TopicSafetyPolicy policy;
  // How long a topic just created may take to answer (its partitions'
  // leaders are elected after CreateTopics returns): describing it is
  // retried while it is UNAVAILABLE, with backoff, for this long.
  absl::Duration new_topic_settle = absl::Seconds(10);
};

class BrokerProxyCore {
 public:
  // `admin` must outlive the core; `database` may be null (no --pg_dsn):
  // GetConsumerLag then reports no database offsets.
  BrokerProxyCore(BrokerProxyCoreOptions options, KafkaAdmin& admin, DatabaseOffsets* database)
      : options_(std::move(options)), admin_(admin), database_(database) {}

  absl::StatusOr<v1::EnsureTopicsResponse> EnsureTopics(const v1::EnsureTopicsRequest& request);
  absl::StatusOr<v1::DescribeTopicResponse> DescribeTopic(const v1::DescribeTopicRequest& request);
  absl::StatusOr<v1::GetConsumerLagResponse> GetConsumerLag(
      const v1::GetConsumerLagRequest& request, absl::Time now);

 private:
  // Partitions, configs, watermarks and findings of an existing topic.
  // Without `require_configs`, a broker that cannot describe configs
  // (UNIMPLEMENTED) leaves them empty and unjudged.
  // Describe() of a topic just created, retried while it is UNAVAILABLE
  // for options_.new_topic_settle.
  absl::StatusOr<v1::TopicDescription> DescribeNewTopic(const std::string& topic, bool force);
  absl::StatusOr<v1::TopicDescription> Describe(const std::string& topic, bool force,
                                                bool require_configs);

  const BrokerProxyCoreOptions options_;
  KafkaAdmin& admin_;
  DatabaseOffsets* const database_;
};

// INVALID_ARGUMENT unless `name` is a legal Kafka topic name (1..249 of
// [a-zA-Z0-9._-], not "." or "..").
absl::Status ValidateTopicName(const std::string& name);

// The settings the safety rules judge, from a description's replicas and
// configs.
TopicSettings SettingsOf(const v1::TopicDescription& description);

}  // namespace ingest
