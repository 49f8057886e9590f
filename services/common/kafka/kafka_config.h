#pragma once

// Building librdkafka configuration objects with errors as Status.

#include <librdkafka/rdkafka.h>

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace ingest {

struct RdKafkaConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
using RdKafkaConfPtr = std::unique_ptr<rd_kafka_conf_t, RdKafkaConfDeleter>;

// A new configuration with every property of `properties` set; the error
// names the property librdkafka rejected.
absl::StatusOr<RdKafkaConfPtr> MakeRdKafkaConf(const std::map<std::string, std::string>& properties);

// Routes librdkafka's own log lines and client errors to the project logger.
void InstallRdKafkaLogging(rd_kafka_conf_t* conf);

// The log line of a client error (what InstallRdKafkaLogging's error
// callback writes), for clients that install an error callback of their own.
void LogRdKafkaClientError(rd_kafka_t* rk, int err, const char* reason);

// Milliseconds for librdkafka properties, which take integers as strings.
std::string MillisString(absl::Duration duration);

}  // namespace ingest
