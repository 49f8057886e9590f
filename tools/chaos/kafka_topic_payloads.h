#pragma once

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "tools/chaos/loss_cause.h"

namespace ingest::chaos {

// A TopicPayloadSource over librdkafka: each Find() reads every partition of
// `topic` at `bootstrap_servers` from its start to its end (services/common/
// kafka's ScanTopic: one record at a time, no consumer group, nothing
// committed), decodes the records as ingest.v1.Task and keeps the payload
// records of the wanted payloads. Records that do not decode (poison) are
// skipped. A read that does not reach the end of every partition within
// `timeout` fails DEADLINE_EXCEEDED.
std::unique_ptr<TopicPayloadSource> CreateKafkaTopicPayloads(const std::string& bootstrap_servers,
                                                             const std::string& topic,
                                                             absl::Duration timeout);

}  // namespace ingest::chaos
