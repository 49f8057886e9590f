#include "services/common/kafka/recreating_producer.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/logging/log.h"
#include "services/common/status/kafka_status.h"
#include "services/common/status/status_macros.h"

namespace ingest {

absl::StatusOr<std::unique_ptr<RecreatingProducer>> RecreatingProducer::Create(
    ProducerFactory factory, RecreatingProducerOptions options) {
  ASSIGN_OR_RETURN(std::unique_ptr<Producer> first, factory());
  return std::unique_ptr<RecreatingProducer>(
      new RecreatingProducer(std::move(factory), std::move(options), std::move(first)));
}

RecreatingProducer::RecreatingProducer(ProducerFactory factory, RecreatingProducerOptions options,
                                       std::unique_ptr<Producer> first)
    : factory_(std::move(factory)),
      options_(std::move(options)),
      current_(std::move(first)),
      budget_(options_.budget, options_.now) {}

absl::StatusOr<std::shared_ptr<Producer>> RecreatingProducer::Current() {
  absl::MutexLock lock(&mutex_);
  if (delivered_.exchange(false)) budget_.Succeeded();
  if (current_ != nullptr) {
    absl::Status health = current_->Health();
    if (health.ok()) return current_;
    last_reason_ = KafkaErrorNameOf(health);
    log::Warn("kafka.producer_replacing",
              {{"producer", options_.what},
               {"reason", last_reason_},
               {"error", health.ToString(absl::StatusToStringMode::kWithNoExtraData)},
               {"detail", "the client failed for good; records it held fail and are retried "
                          "on a new one"}});
    // Its destructor fails what it still holds (the callbacks run now).
    current_.reset();
    budget_.Failed(std::move(health));
  }
  if (budget_.Exhausted()) return budget_.GaveUpStatus(options_.what);
  if (!budget_.AttemptDue()) {
    return absl::UnavailableError(absl::StrCat(
        options_.what, " failed (", last_reason_, ") and is replaced in ",
        absl::FormatDuration(budget_.next_attempt() - options_.now()), "; retry then"));
  }
  absl::StatusOr<std::unique_ptr<Producer>> fresh = factory_();
  if (!fresh.ok()) {
    log::Warn("kafka.producer_recreate_failed",
              {{"producer", options_.what}, {"error", fresh.status().ToString()}});
    budget_.Failed(fresh.status());
    return absl::UnavailableError(
        absl::StrCat("cannot recreate ", options_.what, ": ", fresh.status().message()));
  }
  current_ = *std::move(fresh);
  ++recreations_;
  log::Warn("kafka.producer_recreated", {{"producer", options_.what},
                                         {"reason", last_reason_},
                                         {"recreations", recreations_}});
  if (options_.on_recreated) options_.on_recreated(last_reason_);
  return current_;
}

DeliveryCallback RecreatingProducer::Noting(DeliveryCallback on_delivery) {
  return [this, on_delivery = std::move(on_delivery)](
             absl::StatusOr<RecordPosition> position) mutable {
    if (position.ok()) delivered_.store(true);
    std::move(on_delivery)(std::move(position));
  };
}

absl::Status RecreatingProducer::Produce(absl::string_view topic, std::string key,
                                         std::string value, DeliveryCallback on_delivery) {
  return OnCurrent([&](Producer& producer) {
    return producer.Produce(topic, std::move(key), std::move(value),
                            Noting(std::move(on_delivery)));
  });
}

absl::Status RecreatingProducer::ProduceWithHeaders(absl::string_view topic, std::string key,
                                                    std::string value, RecordHeaders headers,
                                                    DeliveryCallback on_delivery) {
  return OnCurrent([&](Producer& producer) {
    return producer.ProduceWithHeaders(topic, std::move(key), std::move(value),
                                       std::move(headers), Noting(std::move(on_delivery)));
  });
}

absl::Status RecreatingProducer::ProduceToPartition(absl::string_view topic, int32_t partition,
                                                    std::string key, std::string value,
                                                    RecordHeaders headers,
                                                    DeliveryCallback on_delivery) {
  return OnCurrent([&](Producer& producer) {
    return producer.ProduceToPartition(topic, partition, std::move(key), std::move(value),
                                       std::move(headers), Noting(std::move(on_delivery)));
  });
}

absl::Status RecreatingProducer::Flush(absl::Duration timeout) {
  return OnCurrent([&](Producer& producer) { return producer.Flush(timeout); });
}

absl::Status RecreatingProducer::CheckReachable(absl::string_view topic, absl::Duration timeout) {
  return OnCurrent([&](Producer& producer) { return producer.CheckReachable(topic, timeout); });
}

absl::Status RecreatingProducer::Health() const {
  absl::MutexLock lock(&mutex_);
  return budget_.GaveUpStatus(options_.what);
}

absl::Status RecreatingProducer::Liveness() const {
  absl::MutexLock lock(&mutex_);
  return budget_.TroubleStatus(options_.what);
}

int RecreatingProducer::recreations() const {
  absl::MutexLock lock(&mutex_);
  return recreations_;
}

}  // namespace ingest
