#include "services/common/kafka/rdkafka_consumer.h"

#include <librdkafka/rdkafka.h>

#include <cstring>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "services/common/kafka/commit_gate.h"
#include "services/common/kafka/kafka_config.h"
#include "services/common/kafka/rdkafka_handles.h"
#include "services/common/kafka/rdkafka_headers.h"
#include "services/common/logging/log.h"
#include "services/common/status/kafka_status.h"
#include "services/common/status/status_macros.h"

namespace ingest {
namespace {

std::vector<int32_t> PartitionsOf(const rd_kafka_topic_partition_list_t* list) {
  std::vector<int32_t> partitions;
  for (int i = 0; i < list->cnt; ++i) partitions.push_back(list->elems[i].partition);
  return partitions;
}

// How often progress is committed to Kafka at most (the Java consumer's
// auto.commit.interval.ms default): enough for lag monitoring.
constexpr absl::Duration kCommitInterval = absl::Seconds(5);

class RdKafkaConsumer final : public Consumer {
 public:
  RdKafkaConsumer(std::string topic, absl::Duration commit_quiet,
                  std::function<void(absl::string_view json)> on_statistics)
      : topic_(std::move(topic)),
        commit_gate_(commit_quiet, kCommitInterval),
        on_statistics_(std::move(on_statistics)) {}

  ~RdKafkaConsumer() override {
    if (rk_ == nullptr) return;
    if (!closed_ && rd_kafka_fatal_error(rk_, nullptr, 0) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      // A failed client cannot leave its group: skip the close handshake
      // (and its rebalance callbacks), which can hang on such a client.
      rd_kafka_destroy_flags(rk_, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
      return;
    }
    Close();
    rd_kafka_destroy(rk_);
  }

  void Attach(rd_kafka_t* rk) { rk_ = rk; }

  absl::Status Health() const override {
    absl::MutexLock lock(&health_mutex_);
    return health_;
  }

  absl::Status Subscribe(RebalanceListener* listener) override {
    listener_ = listener;
    RdKafkaPartitionListPtr topics(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(topics.get(), topic_.c_str(), RD_KAFKA_PARTITION_UA);
    return KafkaErrorToStatus(rd_kafka_subscribe(rk_, topics.get()),
                              absl::StrCat("subscribe to ", topic_));
  }

  std::optional<ConsumedRecord> Poll(absl::Duration timeout) override {
    SendDueCommits();
    rd_kafka_message_t* message =
        rd_kafka_consumer_poll(rk_, static_cast<int>(absl::ToInt64Milliseconds(timeout)));
    if (message == nullptr) return std::nullopt;
    std::optional<ConsumedRecord> record;
    if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      record.emplace();
      record->partition = message->partition;
      record->offset = message->offset;
      if (message->key != nullptr) {
        record->key.assign(static_cast<const char*>(message->key), message->key_len);
      }
      if (message->payload != nullptr) {
        record->value.assign(static_cast<const char*>(message->payload), message->len);
      }
      rd_kafka_timestamp_type_t type;
      const int64_t millis = rd_kafka_message_timestamp(message, &type);
      record->timestamp = millis >= 0 ? absl::FromUnixMillis(millis) : absl::InfinitePast();
      CopyHeaders(*message, record->headers);
    } else if (message->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET) {
      log::Error("kafka.offset_out_of_range",
                 {{"partition", message->partition},
                  {"reason", rd_kafka_message_errstr(message)},
                  {"detail", "records were deleted before they were processed (retention?); "
                             "the partition is stopped: reset its offset deliberately"}});
    } else if (message->err == RD_KAFKA_RESP_ERR__FATAL) {
      char reason[512];
      const rd_kafka_resp_err_t cause = rd_kafka_fatal_error(rk_, reason, sizeof(reason));
      log::Error("kafka.consumer_fatal",
                 {{"error", rd_kafka_err2name(cause)},
                  {"reason", reason},
                  {"detail", "this consumer can no longer fetch; it must be replaced by a new one"}});
      absl::MutexLock lock(&health_mutex_);
      health_ = WithKafkaErrorName(
          absl::FailedPreconditionError(absl::StrCat("Kafka consumer fatal error: ",
                                                     rd_kafka_err2name(cause), ": ", reason)),
          cause);
    } else if (message->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      log::Warn("kafka.consume_error", {{"error", rd_kafka_err2name(message->err)},
                                        {"reason", rd_kafka_message_errstr(message)}});
    }
    rd_kafka_message_destroy(message);
    return record;
  }

  void Pause(int32_t partition) override {
    RdKafkaPartitionListPtr list = SinglePartition(partition);
    rd_kafka_pause_partitions(rk_, list.get());
  }

  void Resume(int32_t partition) override {
    RdKafkaPartitionListPtr list = SinglePartition(partition);
    rd_kafka_resume_partitions(rk_, list.get());
  }

  std::optional<int64_t> HighWatermark(int32_t partition) override {
    int64_t low = 0;
    int64_t high = 0;
    // Cached from fetch responses: no broker round trip.
    if (rd_kafka_get_watermark_offsets(rk_, topic_.c_str(), partition, &low, &high) !=
            RD_KAFKA_RESP_ERR_NO_ERROR ||
        high < 0) {
      return std::nullopt;
    }
    return high;
  }

  // Offsets are collected and sent together when the gate allows (at most
  // every kCommitInterval, only while the membership is settled).
  void CommitAsync(const PartitionOffsets& next_offsets) override {
    for (const auto& [partition, offset] : next_offsets) pending_commits_[partition] = offset;
    SendDueCommits();
  }

  void Close() override {
    if (closed_) return;
    closed_ = true;
    rd_kafka_consumer_close(rk_);
  }

  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* partitions, void* opaque) {
    static_cast<RdKafkaConsumer*>(opaque)->Rebalance(rk, err, partitions);
  }

  // Runs inside Poll(), like every callback here (rd_kafka_poll_set_consumer).
  static void OnCommitted(rd_kafka_t* /*rk*/, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* /*offsets*/, void* opaque) {
    auto* consumer = static_cast<RdKafkaConsumer*>(opaque);
    const bool ok = err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET;
    if (!ok) {
      log::Info("kafka.commit_failed",
                {{"error", rd_kafka_err2name(err)},
                 {"detail", "commits are for lag monitoring only; they pause for a while"}});
    }
    consumer->commit_gate_.Answered(ok, absl::Now());
  }

  static int OnStatistics(rd_kafka_t* /*rk*/, char* json, size_t length, void* opaque) {
    const auto& sink = static_cast<RdKafkaConsumer*>(opaque)->on_statistics_;
    if (sink) sink(absl::string_view(json, length));
    return 0;  // librdkafka frees `json`
  }

  static void OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
    LogRdKafkaClientError(rk, err, reason);
    static_cast<RdKafkaConsumer*>(opaque)->commit_gate_.Trouble(absl::Now());
  }

 private:
  void SendDueCommits() {
    if (pending_commits_.empty()) return;
    const absl::Time now = absl::Now();
    if (!commit_gate_.MaySend(now, rd_kafka_assignment_lost(rk_) != 0)) return;
    RdKafkaPartitionListPtr list(
        rd_kafka_topic_partition_list_new(static_cast<int>(pending_commits_.size())));
    for (const auto& [partition, offset] : pending_commits_) {
      rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), partition)->offset = offset;
    }
    pending_commits_.clear();
    const rd_kafka_resp_err_t err = rd_kafka_commit(rk_, list.get(), /*async=*/1);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      log::Debug("kafka.commit_skipped", {{"error", rd_kafka_err2name(err)}});
      commit_gate_.Trouble(now);
      return;
    }
    commit_gate_.Sent(now);
  }

  RdKafkaPartitionListPtr SinglePartition(int32_t partition) {
    RdKafkaPartitionListPtr list(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), partition);
    return list;
  }

  void Rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                 rd_kafka_topic_partition_list_t* partitions) {
    const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    const std::vector<int32_t> changed = PartitionsOf(partitions);
    commit_gate_.RebalanceStarted();
    absl::Cleanup end_rebalance = [this] { commit_gate_.RebalanceEnded(); };
    pending_commits_.clear();  // of an assignment that is changing
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      const PartitionOffsets starts =
          listener_ != nullptr ? listener_->OnPartitionsAssigned(changed) : PartitionOffsets{};
      for (int i = 0; i < partitions->cnt; ++i) {
        auto it = starts.find(partitions->elems[i].partition);
        partitions->elems[i].offset = it != starts.end() ? it->second : RD_KAFKA_OFFSET_BEGINNING;
      }
      rd_kafka_error_t* error = nullptr;
      if (cooperative) {
        error = rd_kafka_incremental_assign(rk, partitions);
      } else {
        rd_kafka_assign(rk, partitions);
      }
      LogAssignmentError("assign", error);
      return;
    }
    commit_gate_.Trouble(absl::Now());
    if (listener_ != nullptr) {
      if (rd_kafka_assignment_lost(rk)) {
        listener_->OnPartitionsLost(changed);
      } else {
        listener_->OnPartitionsRevoked(changed);
      }
    }
    if (cooperative) {
      LogAssignmentError("unassign", rd_kafka_incremental_unassign(rk, partitions));
    } else {
      rd_kafka_assign(rk, nullptr);
    }
  }

  static void LogAssignmentError(const char* what, rd_kafka_error_t* error) {
    if (error == nullptr) return;
    log::Error("kafka.assignment_failed",
               {{"operation", what}, {"reason", rd_kafka_error_string(error)}});
    rd_kafka_error_destroy(error);
  }

  rd_kafka_t* rk_ = nullptr;
  mutable absl::Mutex health_mutex_;
  absl::Status health_ ABSL_GUARDED_BY(health_mutex_);
  const std::string topic_;
  CommitGate commit_gate_;
  // Offsets waiting for the gate: partition -> next offset.
  PartitionOffsets pending_commits_;
  RebalanceListener* listener_ = nullptr;
  bool closed_ = false;
  const std::function<void(absl::string_view json)> on_statistics_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Consumer>> CreateRdKafkaConsumer(const ConsumerOptions& options) {
  std::map<std::string, std::string> properties = {
      {"bootstrap.servers", options.bootstrap_servers},
      {"group.id", options.group_id},
      {"client.id", options.client_id},
      {"partition.assignment.strategy", "cooperative-sticky"},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      // A stored offset Kafka no longer has (retention deleted unprocessed
      // records) must not be skipped silently: the partition stops and the
      // error is logged for an operator.
      {"auto.offset.reset", "error"},
      {"session.timeout.ms", MillisString(options.session_timeout)},
      {"heartbeat.interval.ms", MillisString(options.heartbeat_interval)},
      {"max.poll.interval.ms", MillisString(options.max_poll_interval)},
      // A request queued for a dead broker waits at most this long per try
      // (librdkafka's default is 60 s): no older than a session timeout, so
      // a request built before an outage (an offset commit with the member
      // id of then) is less likely to reach the broker after the group has
      // moved on. It does not stop librdkafka from sending a commit it held
      // for the coordinator late (seen as FENCED_INSTANCE_ID in ./dev chaos
      // kafka-down); RecreatingConsumer heals that.
      {"socket.timeout.ms", MillisString(options.session_timeout)},
      {"max.partition.fetch.bytes", std::to_string(options.max_partition_fetch_bytes)},
      {"fetch.max.bytes", std::to_string(std::max<int64_t>(options.max_partition_fetch_bytes,
                                                           64 << 20))},
      {"queued.max.messages.kbytes", "65536"},
  };
  if (!options.group_instance_id.empty()) {
    properties["group.instance.id"] = options.group_instance_id;
  }
  const bool statistics =
      options.on_statistics && options.statistics_interval > absl::ZeroDuration();
  if (statistics) properties["statistics.interval.ms"] = MillisString(options.statistics_interval);
  ASSIGN_OR_RETURN(auto conf, MakeRdKafkaConf(properties));
  InstallRdKafkaLogging(conf.get());
  rd_kafka_conf_set_error_cb(conf.get(), &RdKafkaConsumer::OnError);
  rd_kafka_conf_set_rebalance_cb(conf.get(), &RdKafkaConsumer::OnRebalance);
  rd_kafka_conf_set_offset_commit_cb(conf.get(), &RdKafkaConsumer::OnCommitted);
  if (statistics) rd_kafka_conf_set_stats_cb(conf.get(), &RdKafkaConsumer::OnStatistics);

  // librdkafka hands the opaque back to the callbacks, which only run
  // inside Poll(), after the handle is attached below. Commits pause for a
  // session timeout after trouble (CommitGate).
  std::unique_ptr<RdKafkaConsumer> consumer(
      new RdKafkaConsumer(options.topic, options.session_timeout,
                          statistics ? options.on_statistics : nullptr));
  rd_kafka_conf_set_opaque(conf.get(), consumer.get());
  char error[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), error, sizeof(error));
  if (rk == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("cannot create Kafka consumer: ", error));
  }
  conf.release();  // rd_kafka_new took ownership.
  rd_kafka_poll_set_consumer(rk);
  consumer->Attach(rk);
  log::Info("kafka.consumer_created", {{"bootstrap", options.bootstrap_servers},
                                       {"group", options.group_id},
                                       {"instance", options.group_instance_id}});
  return std::unique_ptr<Consumer>(std::move(consumer));
}

}  // namespace ingest
