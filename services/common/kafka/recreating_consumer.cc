#include "services/common/kafka/recreating_consumer.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/logging/log.h"
#include "services/common/status/kafka_status.h"
#include "services/common/status/status_macros.h"

namespace ingest {
namespace {
constexpr char kWhat[] = "the Kafka consumer";
}  // namespace

absl::StatusOr<std::unique_ptr<RecreatingConsumer>> RecreatingConsumer::Create(
    ConsumerFactory factory, RecreatingConsumerOptions options) {
  ASSIGN_OR_RETURN(std::unique_ptr<Consumer> first, factory());
  return std::unique_ptr<RecreatingConsumer>(
      new RecreatingConsumer(std::move(factory), std::move(options), std::move(first)));
}

RecreatingConsumer::RecreatingConsumer(ConsumerFactory factory, RecreatingConsumerOptions options,
                                       std::unique_ptr<Consumer> first)
    : factory_(std::move(factory)),
      options_(std::move(options)),
      current_(std::move(first)),
      budget_(options_.budget, options_.now) {}

absl::Status RecreatingConsumer::Subscribe(RebalanceListener* listener) {
  listener_ = listener;
  return current_->Subscribe(this);
}

std::optional<ConsumedRecord> RecreatingConsumer::Poll(absl::Duration timeout) {
  if (current_ != nullptr) {
    std::optional<ConsumedRecord> record = current_->Poll(timeout);
    // A record is handed out only while its client is healthy; a failure
    // ends the client at the next Poll().
    if (record.has_value()) return record;
    const absl::Status health = current_->Health();
    if (health.ok()) return std::nullopt;
    Retire(health);
  }
  if (closed_ || budget_.Exhausted()) return std::nullopt;
  const absl::Time now = options_.now();
  if (!budget_.AttemptDue()) {
    options_.sleep(std::min(timeout, budget_.next_attempt() - now));
    return std::nullopt;
  }
  Replace();
  return std::nullopt;
}

void RecreatingConsumer::Retire(const absl::Status& cause) {
  last_reason_ = KafkaErrorNameOf(cause);
  const std::vector<int32_t> lost(owned_.begin(), owned_.end());
  log::Warn("kafka.consumer_replacing",
            {{"reason", last_reason_},
             {"error", cause.ToString(absl::StatusToStringMode::kWithNoExtraData)},
             {"partitions_lost", absl::StrJoin(lost, ",")},
             {"detail", "the client failed for good; its partitions' held records are "
                        "abandoned and a new client resumes from the database offsets"}});
  owned_.clear();
  if (!lost.empty() && listener_ != nullptr) listener_->OnPartitionsLost(lost);
  current_.reset();  // no close handshake: the client cannot leave its group
  Failed(cause);
}

void RecreatingConsumer::Replace() {
  absl::StatusOr<std::unique_ptr<Consumer>> fresh = factory_();
  if (!fresh.ok()) {
    log::Warn("kafka.consumer_recreate_failed", {{"error", fresh.status().ToString()}});
    Failed(fresh.status());
    return;
  }
  if (absl::Status subscribed = (*fresh)->Subscribe(this); !subscribed.ok()) {
    log::Warn("kafka.consumer_recreate_failed", {{"error", subscribed.ToString()}});
    Failed(subscribed);
    return;
  }
  current_ = *std::move(fresh);
  ++recreations_;
  log::Warn("kafka.consumer_recreated",
            {{"reason", last_reason_},
             {"recreations", recreations_},
             {"consecutive_failures", budget_.consecutive_failures()},
             {"detail", "a new client joins the group; assigned partitions resume from the "
                        "database offsets"}});
  if (options_.on_recreated) options_.on_recreated(last_reason_);
}

void RecreatingConsumer::Failed(const absl::Status& cause) {
  budget_.Failed(cause);
  if (budget_.Exhausted()) {
    log::Error("kafka.consumer_recreate_gave_up",
               {{"consecutive_failures", budget_.consecutive_failures()},
                {"error", cause.ToString(absl::StatusToStringMode::kWithNoExtraData)},
                {"detail", "the Kafka consumer keeps failing; the process stops so that it is "
                           "restarted"}});
  }
  UpdateStatus();
}

void RecreatingConsumer::UpdateStatus() {
  absl::MutexLock lock(&status_mutex_);
  health_ = budget_.GaveUpStatus(kWhat);
  liveness_ = budget_.TroubleStatus(kWhat);
}

void RecreatingConsumer::Pause(int32_t partition) {
  if (current_ != nullptr) current_->Pause(partition);
}

void RecreatingConsumer::Resume(int32_t partition) {
  if (current_ != nullptr) current_->Resume(partition);
}

std::optional<int64_t> RecreatingConsumer::HighWatermark(int32_t partition) {
  return current_ != nullptr ? current_->HighWatermark(partition) : std::nullopt;
}

void RecreatingConsumer::CommitAsync(const PartitionOffsets& next_offsets) {
  if (current_ != nullptr) current_->CommitAsync(next_offsets);
}

void RecreatingConsumer::Close() {
  closed_ = true;
  if (current_ != nullptr) current_->Close();
}

absl::Status RecreatingConsumer::Health() const {
  absl::MutexLock lock(&status_mutex_);
  return health_;
}

absl::Status RecreatingConsumer::Liveness() const {
  absl::MutexLock lock(&status_mutex_);
  return liveness_;
}

PartitionOffsets RecreatingConsumer::OnPartitionsAssigned(const std::vector<int32_t>& partitions) {
  owned_.insert(partitions.begin(), partitions.end());
  if (budget_.consecutive_failures() > 0) {
    budget_.Succeeded();  // the new client joined its group
    UpdateStatus();
  }
  return listener_ != nullptr ? listener_->OnPartitionsAssigned(partitions) : PartitionOffsets{};
}

void RecreatingConsumer::OnPartitionsRevoked(const std::vector<int32_t>& partitions) {
  for (int32_t partition : partitions) owned_.erase(partition);
  if (listener_ != nullptr) listener_->OnPartitionsRevoked(partitions);
}

void RecreatingConsumer::OnPartitionsLost(const std::vector<int32_t>& partitions) {
  for (int32_t partition : partitions) owned_.erase(partition);
  if (listener_ != nullptr) listener_->OnPartitionsLost(partitions);
}

}  // namespace ingest
