#pragma once

// Copying a librdkafka message's headers into plain strings (the consumer
// and the topic reader both hand records out with their headers).

#include <librdkafka/rdkafka.h>

#include "services/common/kafka/record_headers.h"

namespace ingest {

// Appends `message`'s headers, in record order, to `out` (nothing when it
// has none). A header without a value becomes an empty string.
void CopyHeaders(const rd_kafka_message_t& message, RecordHeaders& out);

}  // namespace ingest
