#pragma once

// TaskPublisher: the gateway's core, free of gRPC. Encodes a Task and
// produces it keyed by session id; `done` runs exactly once with where Kafka
// stored it, or why it did not.
//
// Threads: Publish() from any thread; `done` runs on the producer's delivery
// thread (or inline, when the record is refused at once).

#include <string>

#include "absl/functional/any_invocable.h"
#include "ingest/v1/task.pb.h"
#include "services/common/kafka/producer.h"
#include "services/gateway/gateway_metrics.h"

namespace ingest {

class TaskPublisher {
 public:
  // `producer` and `metrics` must outlive the publisher.
  TaskPublisher(Producer& producer, std::string topic, GatewayMetrics& metrics)
      : producer_(producer), topic_(std::move(topic)), metrics_(metrics) {}

  void Publish(const v1::Task& task, DeliveryCallback done);

 private:
  Producer& producer_;
  const std::string topic_;
  GatewayMetrics& metrics_;
};

}  // namespace ingest
