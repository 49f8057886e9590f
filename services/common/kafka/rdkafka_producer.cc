#include "services/common/kafka/rdkafka_producer.h"

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/kafka/kafka_config.h"
#include "services/common/kafka/rdkafka_headers.h"
#include "services/common/logging/log.h"
#include "services/common/status/kafka_status.h"

namespace ingest {
namespace {

// Owns a record's bytes from Produce() until its delivery report.
struct InFlightRecord {
  std::string key;
  std::string value;
  DeliveryCallback on_delivery;
};

using StatisticsSink = std::function<void(absl::string_view json)>;

int OnStatistics(rd_kafka_t* /*rk*/, char* json, size_t length, void* opaque) {
  (*static_cast<StatisticsSink*>(opaque))(absl::string_view(json, length));
  return 0;  // librdkafka frees `json`
}

class RdKafkaProducer final : public Producer {
 public:
  // `statistics` (may be null) receives statistics until destruction.
  RdKafkaProducer(rd_kafka_t* rk, std::unique_ptr<StatisticsSink> statistics)
      : rk_(rk), statistics_(std::move(statistics)), poller_([this] { PollLoop(); }) {}

  ~RdKafkaProducer() override {
    stop_.store(true);
    poller_.join();
    // Whatever is still queued fails now, so every callback runs exactly once.
    rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_flush(rk_, 5000);
    rd_kafka_destroy(rk_);
  }

  absl::Status Produce(absl::string_view topic, std::string key, std::string value,
                       DeliveryCallback on_delivery) override {
    return Enqueue(topic, std::move(key), std::move(value), nullptr, std::move(on_delivery));
  }

  absl::Status ProduceWithHeaders(absl::string_view topic, std::string key, std::string value,
                                  RecordHeaders headers, DeliveryCallback on_delivery) override {
    return Enqueue(topic, std::move(key), std::move(value), ToRdKafkaHeaders(headers),
                   std::move(on_delivery));
  }

  absl::Status ProduceToPartition(absl::string_view topic, int32_t partition, std::string key,
                                  std::string value, RecordHeaders headers,
                                  DeliveryCallback on_delivery) override {
    if (partition < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot produce to partition ", partition, " of ", topic));
    }
    return Enqueue(topic, std::move(key), std::move(value), ToRdKafkaHeaders(headers),
                   std::move(on_delivery), partition);
  }

  absl::Status Flush(absl::Duration timeout) override {
    const rd_kafka_resp_err_t err =
        rd_kafka_flush(rk_, static_cast<int>(absl::ToInt64Milliseconds(timeout)));
    return KafkaErrorToStatus(err, "flush producer");
  }

  absl::Status CheckReachable(absl::string_view topic, absl::Duration timeout) override {
    rd_kafka_topic_t* handle = rd_kafka_topic_new(rk_, std::string(topic).c_str(), nullptr);
    const rd_kafka_metadata_t* metadata = nullptr;
    const rd_kafka_resp_err_t err =
        rd_kafka_metadata(rk_, 0, handle, &metadata,
                          static_cast<int>(absl::ToInt64Milliseconds(timeout)));
    rd_kafka_topic_destroy(handle);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return KafkaErrorToStatus(err, absl::StrCat("fetch metadata of ", topic));
    }
    absl::Status status = absl::OkStatus();
    if (metadata->topic_cnt != 1 || metadata->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      status = KafkaErrorToStatus(metadata->topic_cnt == 1 ? metadata->topics[0].err
                                                           : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC,
                                  absl::StrCat("topic ", topic));
    }
    rd_kafka_metadata_destroy(metadata);
    return status;
  }

  // Hands the record to librdkafka; `headers` (may be null) pass to the
  // message on success and are freed here on refusal. `partition`:
  // RD_KAFKA_PARTITION_UA lets the partitioner choose by key.
  absl::Status Enqueue(absl::string_view topic, std::string key, std::string value,
                       rd_kafka_headers_t* headers, DeliveryCallback on_delivery,
                       int32_t partition = RD_KAFKA_PARTITION_UA) {
    auto* record = new InFlightRecord{std::move(key), std::move(value), std::move(on_delivery)};
    const std::string topic_name(topic);
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        rk_, RD_KAFKA_V_TOPIC(topic_name.c_str()),
        RD_KAFKA_V_KEY(record->key.data(), record->key.size()),
        RD_KAFKA_V_VALUE(record->value.data(), record->value.size()),
        RD_KAFKA_V_PARTITION(partition), RD_KAFKA_V_HEADERS(headers),
        // No copy, no free: `record` owns the bytes until the report.
        RD_KAFKA_V_MSGFLAGS(0), RD_KAFKA_V_OPAQUE(record), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (headers != nullptr) rd_kafka_headers_destroy(headers);
      delete record;
      return KafkaErrorToStatus(err, absl::StrCat("enqueue record for ", topic));
    }
    return absl::OkStatus();
  }

  absl::Status Health() const override {
    char reason[512];
    const rd_kafka_resp_err_t err = rd_kafka_fatal_error(rk_, reason, sizeof(reason));
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return absl::OkStatus();
    return WithKafkaErrorName(
        absl::FailedPreconditionError(
            absl::StrCat("Kafka producer fatal error: ", rd_kafka_err2name(err), ": ", reason)),
        err);
  }

  static void OnDeliveryReport(rd_kafka_t* /*rk*/, const rd_kafka_message_t* message,
                               void* /*opaque*/) {
    std::unique_ptr<InFlightRecord> record(static_cast<InFlightRecord*>(message->_private));
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::move(record->on_delivery)(KafkaErrorToStatus(message->err, "deliver record"));
      return;
    }
    std::move(record->on_delivery)(RecordPosition{message->partition, message->offset});
  }

 private:
  void PollLoop() {
    while (!stop_.load()) rd_kafka_poll(rk_, 100);
  }

  rd_kafka_t* const rk_;
  const std::unique_ptr<StatisticsSink> statistics_;
  std::atomic<bool> stop_{false};
  std::thread poller_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Producer>> CreateRdKafkaProducer(const ProducerOptions& options) {
  auto conf = MakeRdKafkaConf({
      {"bootstrap.servers", options.bootstrap_servers},
      {"client.id", options.client_id},
      {"acks", "all"},
      {"enable.idempotence", "true"},
      {"compression.type", options.compression},
      {"linger.ms", MillisString(options.linger)},
      {"message.timeout.ms", MillisString(options.delivery_timeout)},
      {"message.max.bytes", std::to_string(options.max_record_bytes + 64 * 1024)},
      {"queue.buffering.max.kbytes", std::to_string(options.max_queued_bytes / 1024)},
      {"queue.buffering.max.messages", "1000000"},
  });
  if (!conf.ok()) return conf.status();
  InstallRdKafkaLogging(conf->get());
  rd_kafka_conf_set_dr_msg_cb(conf->get(), &RdKafkaProducer::OnDeliveryReport);
  std::unique_ptr<StatisticsSink> statistics;
  if (options.on_statistics && options.statistics_interval > absl::ZeroDuration()) {
    statistics = std::make_unique<StatisticsSink>(options.on_statistics);
    char error[256];
    rd_kafka_conf_set(conf->get(), "statistics.interval.ms",
                      MillisString(options.statistics_interval).c_str(), error, sizeof(error));
    rd_kafka_conf_set_opaque(conf->get(), statistics.get());
    rd_kafka_conf_set_stats_cb(conf->get(), &OnStatistics);
  }

  char error[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf->get(), error, sizeof(error));
  if (rk == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("cannot create Kafka producer: ", error));
  }
  conf->release();  // rd_kafka_new took ownership.
  log::Info("kafka.producer_created", {{"bootstrap", options.bootstrap_servers},
                                       {"delivery_timeout_ms",
                                        absl::ToInt64Milliseconds(options.delivery_timeout)}});
  return std::unique_ptr<Producer>(new RdKafkaProducer(rk, std::move(statistics)));
}

}  // namespace ingest
