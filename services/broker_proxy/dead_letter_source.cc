#include "services/broker_proxy/dead_letter_source.h"

namespace ingest {
namespace {

class KafkaDeadLetterSource final : public DeadLetterSource {
 public:
  explicit KafkaDeadLetterSource(std::string bootstrap_servers)
      : bootstrap_servers_(std::move(bootstrap_servers)) {}

  absl::StatusOr<TopicScanEnd> Scan(const std::string& topic,
                                    const std::map<int32_t, int64_t>& from, absl::Time deadline,
                                    absl::FunctionRef<bool(const TopicRecord&)> visit) override {
    return ScanTopic(bootstrap_servers_, topic, from, deadline, visit);
  }

 private:
  const std::string bootstrap_servers_;
};

}  // namespace

std::unique_ptr<DeadLetterSource> CreateKafkaDeadLetterSource(std::string bootstrap_servers) {
  return std::make_unique<KafkaDeadLetterSource>(std::move(bootstrap_servers));
}

}  // namespace ingest
