#pragma once

// Owners of librdkafka objects that several clients here create (the
// consumer, the admin client, the topic reader).

#include <librdkafka/rdkafka.h>

#include <memory>

namespace ingest {

// A consumer handle: closed (leaving any group), then destroyed.
struct RdKafkaConsumerCloser {
  void operator()(rd_kafka_t* rk) const {
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
  }
};
using RdKafkaConsumerPtr = std::unique_ptr<rd_kafka_t, RdKafkaConsumerCloser>;

struct RdKafkaMessageDeleter {
  void operator()(rd_kafka_message_t* message) const { rd_kafka_message_destroy(message); }
};
using RdKafkaMessagePtr = std::unique_ptr<rd_kafka_message_t, RdKafkaMessageDeleter>;

struct RdKafkaPartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* list) const {
    rd_kafka_topic_partition_list_destroy(list);
  }
};
using RdKafkaPartitionListPtr =
    std::unique_ptr<rd_kafka_topic_partition_list_t, RdKafkaPartitionListDeleter>;

}  // namespace ingest
