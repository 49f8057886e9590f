#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tools/chaos/lag_sources.h"

namespace ingest::chaos {

// A PartitionHighWatermarkSource asking the brokers at `bootstrap_servers`
// for the high watermark of each partition of `topic`, through a KafkaAdmin
// of its own (outside any consumer group: the worker's group is never
// touched). The partition count is read once here; NOT_FOUND-like errors if
// the topic does not exist, UNAVAILABLE if no broker answers within
// `connect_timeout`. Each read takes at most `read_timeout` and fails if any
// partition has no answer; after four failures in a row the client is
// replaced by a new one (librdkafka 2.0.2's can stay stuck once every broker
// was down). librdkafka's own log lines are dropped (a broker down for a
// minute would flood stderr); failures reach the caller as statuses.
absl::StatusOr<std::unique_ptr<PartitionHighWatermarkSource>> ConnectKafkaWatermarks(
    const std::string& bootstrap_servers, const std::string& topic, absl::Duration connect_timeout,
    absl::Duration read_timeout);

}  // namespace ingest::chaos
