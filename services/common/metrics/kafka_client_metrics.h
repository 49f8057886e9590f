#pragma once

// librdkafka client statistics (see kafka_stats.h) as Prometheus series, for
// any service's Kafka clients, under "<prefix>_kafka_*":
//
//   <prefix>_kafka_queue_messages{client}            gauge (librdkafka msg_cnt)
//   <prefix>_kafka_queue_bytes{client}               gauge (msg_size)
//   <prefix>_kafka_broker_rtt_seconds{client,broker,stat="avg"|"p99"}  gauge
//   <prefix>_kafka_retries_total{client,broker}      counter (txretries)
//   <prefix>_kafka_errors_total{client,broker}       counter (txerrs)
//
// `client` is librdkafka's client name ("ingest-worker#consumer-1"). Thread-
// safe: statistics callbacks of several clients may record at once.

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "services/common/kafka/kafka_stats.h"

namespace ingest {

class KafkaClientMetrics {
 public:
  // prefix: "ingest_gateway", "ingest_worker".
  KafkaClientMetrics(prometheus::Registry& registry, absl::string_view prefix);

  void Record(const KafkaClientStats& stats);

  // Parses librdkafka's statistics JSON and records it; unparsable
  // statistics are dropped (they only feed metrics).
  void RecordJson(absl::string_view json);

 private:
  prometheus::Family<prometheus::Gauge>& queue_messages_;
  prometheus::Family<prometheus::Gauge>& queue_bytes_;
  prometheus::Family<prometheus::Gauge>& rtt_;
  prometheus::Family<prometheus::Counter>& retries_;
  prometheus::Family<prometheus::Counter>& errors_;
  absl::Mutex mutex_;
  // Last cumulative retries/errors per client and broker, to turn them into
  // counters.
  absl::flat_hash_map<std::string, KafkaBrokerStats> last_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace ingest
