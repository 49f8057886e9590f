#include "services/common/kafka/kafka_config.h"

#include "absl/strings/str_cat.h"
#include "services/common/logging/log.h"

namespace ingest {
namespace {

void LogCallback(const rd_kafka_t* rk, int level, const char* facility, const char* message) {
  // syslog levels: 0..3 error, 4 warning, 5..6 info, 7 debug.
  const log::Level ours = level <= 3 ? log::Level::kError
                          : level == 4 ? log::Level::kWarn
                          : level <= 6 ? log::Level::kInfo
                                       : log::Level::kDebug;
  log::Write(ours, "kafka.client_log",
             {{"client", rd_kafka_name(rk)}, {"facility", facility}, {"message", message}});
}

void ErrorCallback(rd_kafka_t* rk, int err, const char* reason, void* /*opaque*/) {
  LogRdKafkaClientError(rk, err, reason);
}

}  // namespace

void LogRdKafkaClientError(rd_kafka_t* rk, int err, const char* reason) {
  const auto code = static_cast<rd_kafka_resp_err_t>(err);
  log::Warn("kafka.client_error", {{"client", rd_kafka_name(rk)},
                                   {"error", rd_kafka_err2name(code)},
                                   {"reason", reason},
                                   {"fatal", code == RD_KAFKA_RESP_ERR__FATAL}});
}

absl::StatusOr<RdKafkaConfPtr> MakeRdKafkaConf(
    const std::map<std::string, std::string>& properties) {
  RdKafkaConfPtr conf(rd_kafka_conf_new());
  char error[512];
  for (const auto& [name, value] : properties) {
    if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), error, sizeof(error)) !=
        RD_KAFKA_CONF_OK) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid Kafka client property ", name, "=", value, ": ", error));
    }
  }
  return conf;
}

void InstallRdKafkaLogging(rd_kafka_conf_t* conf) {
  rd_kafka_conf_set_log_cb(conf, &LogCallback);
  rd_kafka_conf_set_error_cb(conf, &ErrorCallback);
}

std::string MillisString(absl::Duration duration) {
  return std::to_string(absl::ToInt64Milliseconds(duration));
}

}  // namespace ingest
