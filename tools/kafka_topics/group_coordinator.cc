#include "tools/kafka_topics/group_coordinator.h"

#include <librdkafka/rdkafka.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "services/common/kafka/kafka_config.h"
#include "services/common/status/kafka_status.h"

namespace ingest {
namespace {

template <typename T, void (*Destroy)(T*)>
struct Deleter {
  void operator()(T* p) const { Destroy(p); }
};
using Handle = std::unique_ptr<rd_kafka_t, Deleter<rd_kafka_t, rd_kafka_destroy>>;
using Queue = std::unique_ptr<rd_kafka_queue_t, Deleter<rd_kafka_queue_t, rd_kafka_queue_destroy>>;
using Event = std::unique_ptr<rd_kafka_event_t, Deleter<rd_kafka_event_t, rd_kafka_event_destroy>>;
using AdminOptions = std::unique_ptr<rd_kafka_AdminOptions_t,
                                     Deleter<rd_kafka_AdminOptions_t, rd_kafka_AdminOptions_destroy>>;

}  // namespace

absl::StatusOr<int32_t> GroupCoordinator(const std::string& bootstrap_servers,
                                         const std::string& group, absl::Duration timeout) {
  const std::string context = absl::StrCat("coordinator of group ", group);
  auto conf = MakeRdKafkaConf({{"bootstrap.servers", bootstrap_servers}});
  if (!conf.ok()) return conf.status();
  char error[512];
  Handle rk(rd_kafka_new(RD_KAFKA_PRODUCER, conf->get(), error, sizeof(error)));
  if (rk == nullptr) return absl::InvalidArgumentError(absl::StrCat(context, ": ", error));
  conf->release();

  const int timeout_ms = static_cast<int>(absl::ToInt64Milliseconds(timeout));
  AdminOptions options(rd_kafka_AdminOptions_new(rk.get(), RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS));
  rd_kafka_AdminOptions_set_request_timeout(options.get(), timeout_ms, error, sizeof(error));
  Queue queue(rd_kafka_queue_new(rk.get()));
  const char* groups[] = {group.c_str()};
  rd_kafka_DescribeConsumerGroups(rk.get(), groups, 1, options.get(), queue.get());
  Event event(rd_kafka_queue_poll(queue.get(), timeout_ms + 1000));
  if (event == nullptr) {
    return absl::UnavailableError(absl::StrCat(context, ": no answer from ", bootstrap_servers,
                                               " within ", absl::FormatDuration(timeout)));
  }
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return KafkaErrorToStatus(rd_kafka_event_error(event.get()),
                              absl::StrCat(context, ": ", rd_kafka_event_error_string(event.get())));
  }
  const rd_kafka_DescribeConsumerGroups_result_t* result =
      rd_kafka_event_DescribeConsumerGroups_result(event.get());
  if (result == nullptr) {
    return absl::InternalError(
        absl::StrCat(context, ": unexpected answer ", rd_kafka_event_name(event.get())));
  }
  size_t count = 0;
  const rd_kafka_ConsumerGroupDescription_t** described =
      rd_kafka_DescribeConsumerGroups_result_groups(result, &count);
  if (count != 1) return absl::InternalError(absl::StrCat(context, ": no group in the answer"));
  if (const rd_kafka_error_t* group_error = rd_kafka_ConsumerGroupDescription_error(described[0]);
      group_error != nullptr && rd_kafka_error_code(group_error) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return KafkaErrorToStatus(rd_kafka_error_code(group_error),
                              absl::StrCat(context, ": ", rd_kafka_error_string(group_error)));
  }
  const rd_kafka_Node_t* coordinator = rd_kafka_ConsumerGroupDescription_coordinator(described[0]);
  if (coordinator == nullptr) {
    return absl::UnavailableError(absl::StrCat(context, ": the answer names no coordinator"));
  }
  return static_cast<int32_t>(rd_kafka_Node_id(coordinator));
}

}  // namespace ingest
