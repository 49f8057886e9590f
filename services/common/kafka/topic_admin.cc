#include "services/common/kafka/topic_admin.h"

#include <memory>

#include "services/common/kafka/rdkafka_admin.h"
#include "services/common/status/status_macros.h"

namespace ingest {

absl::Status EnsureTopic(const std::string& bootstrap_servers, const TopicSpec& spec,
                         absl::Duration timeout) {
  ASSIGN_OR_RETURN(
      std::unique_ptr<KafkaAdmin> admin,
      CreateRdKafkaAdmin({.bootstrap_servers = bootstrap_servers, .timeout = timeout}));
  absl::Status created = admin->CreateTopic(spec);
  return created.code() == absl::StatusCode::kAlreadyExists ? absl::OkStatus() : created;
}

absl::StatusOr<std::vector<PartitionReplicas>> DescribePartitions(
    const std::string& bootstrap_servers, const std::string& topic, absl::Duration timeout) {
  ASSIGN_OR_RETURN(
      std::unique_ptr<KafkaAdmin> admin,
      CreateRdKafkaAdmin({.bootstrap_servers = bootstrap_servers, .timeout = timeout}));
  return admin->DescribePartitions(topic);
}

}  // namespace ingest
