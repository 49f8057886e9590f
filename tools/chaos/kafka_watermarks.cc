#include "tools/chaos/kafka_watermarks.h"

#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/kafka/rdkafka_admin.h"
#include "services/common/kafka/topic_admin.h"
#include "services/common/status/status_macros.h"

namespace ingest::chaos {
namespace {

// After this many failed reads in a row the client is made anew: librdkafka
// 2.0.2's client, once every broker was down, can keep timing out its
// ListOffsets requests long after the cluster is back (seen in ./dev chaos
// kafka-down: minutes of stale lag).
constexpr int kFailuresBeforeNewClient = 4;

class AdminWatermarks final : public PartitionHighWatermarkSource {
 public:
  AdminWatermarks(RdKafkaAdminOptions options, std::unique_ptr<KafkaAdmin> admin, std::string topic,
                  int partitions)
      : options_(std::move(options)), admin_(std::move(admin)), topic_(std::move(topic)) {
    for (int32_t partition = 0; partition < partitions; ++partition) {
      partitions_.push_back(partition);
    }
  }

  int partition_count() const override { return static_cast<int>(partitions_.size()); }

  absl::StatusOr<std::map<int32_t, int64_t>> ReadHighWatermarks() override {
    absl::StatusOr<std::vector<PartitionWatermarks>> marks =
        admin_->QueryWatermarks(topic_, partitions_);
    if (!marks.ok()) {
      if (++failures_ >= kFailuresBeforeNewClient) {
        failures_ = 0;
        if (auto fresh = CreateRdKafkaAdmin(options_); fresh.ok()) admin_ = *std::move(fresh);
      }
      return marks.status();
    }
    failures_ = 0;
    std::map<int32_t, int64_t> high;
    for (const PartitionWatermarks& partition : *marks) high[partition.partition] = partition.high;
    return high;
  }

 private:
  const RdKafkaAdminOptions options_;
  std::unique_ptr<KafkaAdmin> admin_;
  const std::string topic_;
  std::vector<int32_t> partitions_;
  int failures_ = 0;  // failed reads in a row
};

}  // namespace

absl::StatusOr<std::unique_ptr<PartitionHighWatermarkSource>> ConnectKafkaWatermarks(
    const std::string& bootstrap_servers, const std::string& topic, absl::Duration connect_timeout,
    absl::Duration read_timeout) {
  absl::StatusOr<std::vector<PartitionReplicas>> partitions =
      DescribePartitions(bootstrap_servers, topic, connect_timeout);
  if (!partitions.ok()) {
    return absl::Status(
        partitions.status().code(),
        absl::StrCat("Kafka at ", bootstrap_servers, ": ", partitions.status().message()));
  }
  if (partitions->empty()) {
    return absl::FailedPreconditionError(absl::StrCat("topic ", topic, " has no partitions"));
  }
  // A read is two requests (QueryWatermarks: earliest and latest offsets).
  const RdKafkaAdminOptions options{
      .bootstrap_servers = bootstrap_servers, .timeout = read_timeout / 2, .quiet = true};
  ASSIGN_OR_RETURN(std::unique_ptr<KafkaAdmin> admin, CreateRdKafkaAdmin(options));
  return std::make_unique<AdminWatermarks>(options, std::move(admin), topic,
                                           static_cast<int>(partitions->size()));
}

}  // namespace ingest::chaos
