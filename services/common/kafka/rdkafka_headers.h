#pragma once

// Converting record headers between plain strings and librdkafka's: the
// producer sends them, the consumer and the topic reader hand records out
// with theirs.

#include <librdkafka/rdkafka.h>

#include "services/common/kafka/record_headers.h"

namespace ingest {

// Appends `message`'s headers, in record order, to `out` (nothing when it
// has none). A header without a value becomes an empty string.
void CopyHeaders(const rd_kafka_message_t& message, RecordHeaders& out);

// `headers` as a new librdkafka header list; the caller owns it (a produced
// message takes it over).
rd_kafka_headers_t* ToRdKafkaHeaders(const RecordHeaders& headers);

}  // namespace ingest
