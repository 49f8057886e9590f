#pragma once

// The one place librdkafka error codes become absl::Status codes.
//
// Mapping (SPEC §5): anything that means "the broker did not take the record in
// time / right now" is UNAVAILABLE, so the SDK retries with the same
// payload_id; a full local queue is RESOURCE_EXHAUSTED; a record the broker
// will never accept is INVALID_ARGUMENT; the rest is INTERNAL.

#include <librdkafka/rdkafka.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace ingest {

absl::StatusCode KafkaErrorCode(rd_kafka_resp_err_t err);

// `context` says what was being done ("produce to ingest.tasks").
absl::Status KafkaErrorToStatus(rd_kafka_resp_err_t err, absl::string_view context);

// `status` tagged with librdkafka's name of `err` ("FENCED_INSTANCE_ID"),
// e.g. for a metric's reason label.
absl::Status WithKafkaErrorName(absl::Status status, rd_kafka_resp_err_t err);

// The name WithKafkaErrorName tagged `status` with; "unknown" if none.
std::string KafkaErrorNameOf(const absl::Status& status);

}  // namespace ingest
