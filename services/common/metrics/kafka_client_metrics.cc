#include "services/common/metrics/kafka_client_metrics.h"

#include "absl/strings/str_cat.h"

namespace ingest {

KafkaClientMetrics::KafkaClientMetrics(prometheus::Registry& registry, absl::string_view prefix)
    : queue_messages_(prometheus::BuildGauge()
                          .Name(absl::StrCat(prefix, "_kafka_queue_messages"))
                          .Help("Records in a Kafka client's local produce queue (librdkafka "
                                "msg_cnt).")
                          .Register(registry)),
      queue_bytes_(prometheus::BuildGauge()
                       .Name(absl::StrCat(prefix, "_kafka_queue_bytes"))
                       .Help("Bytes in a Kafka client's local produce queue (librdkafka "
                             "msg_size).")
                       .Register(registry)),
      rtt_(prometheus::BuildGauge()
               .Name(absl::StrCat(prefix, "_kafka_broker_rtt_seconds"))
               .Help("Broker round-trip time from librdkafka statistics, avg and p99.")
               .Register(registry)),
      retries_(prometheus::BuildCounter()
                   .Name(absl::StrCat(prefix, "_kafka_retries_total"))
                   .Help("Requests librdkafka retried, by client and broker.")
                   .Register(registry)),
      errors_(prometheus::BuildCounter()
                  .Name(absl::StrCat(prefix, "_kafka_errors_total"))
                  .Help("Request errors seen by librdkafka, by client and broker.")
                  .Register(registry)) {}

void KafkaClientMetrics::Record(const KafkaClientStats& stats) {
  queue_messages_.Add({{"client", stats.client}}).Set(static_cast<double>(stats.queue_messages));
  queue_bytes_.Add({{"client", stats.client}}).Set(static_cast<double>(stats.queue_bytes));
  absl::MutexLock lock(&mutex_);
  for (const auto& [broker, current] : stats.brokers) {
    rtt_.Add({{"client", stats.client}, {"broker", broker}, {"stat", "avg"}})
        .Set(current.rtt_avg_seconds);
    rtt_.Add({{"client", stats.client}, {"broker", broker}, {"stat", "p99"}})
        .Set(current.rtt_p99_seconds);
    KafkaBrokerStats& last = last_[absl::StrCat(stats.client, "|", broker)];
    // Cumulative in librdkafka; a decrease means a new client: count afresh.
    const auto delta = [](int64_t now, int64_t before) { return now >= before ? now - before : now; };
    retries_.Add({{"client", stats.client}, {"broker", broker}})
        .Increment(static_cast<double>(delta(current.tx_retries, last.tx_retries)));
    errors_.Add({{"client", stats.client}, {"broker", broker}})
        .Increment(static_cast<double>(delta(current.tx_errors, last.tx_errors)));
    last = current;
  }
}

void KafkaClientMetrics::RecordJson(absl::string_view json) {
  absl::StatusOr<KafkaClientStats> stats = ParseKafkaStats(json);
  if (stats.ok()) Record(*stats);
}

}  // namespace ingest
