#include "services/common/kafka/kafka_stats.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace ingest {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

double Number(const Struct& object, const std::string& field) {
  auto it = object.fields().find(field);
  return it != object.fields().end() && it->second.has_number_value() ? it->second.number_value()
                                                                       : 0;
}

const Struct* Object(const Struct& object, const std::string& field) {
  auto it = object.fields().find(field);
  return it != object.fields().end() && it->second.has_struct_value() ? &it->second.struct_value()
                                                                      : nullptr;
}

}  // namespace

absl::StatusOr<KafkaClientStats> ParseKafkaStats(absl::string_view json) {
  Struct root;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &root);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("librdkafka statistics are not JSON: ", status.ToString()));
  }
  KafkaClientStats stats;
  if (auto it = root.fields().find("name"); it != root.fields().end()) {
    stats.client = it->second.string_value();
  }
  stats.queue_messages = static_cast<int64_t>(Number(root, "msg_cnt"));
  stats.queue_bytes = static_cast<int64_t>(Number(root, "msg_size"));
  if (const Struct* brokers = Object(root, "brokers")) {
    for (const auto& [name, value] : brokers->fields()) {
      if (!value.has_struct_value()) continue;
      const Struct& broker = value.struct_value();
      // Bootstrap entries ("...:9092/bootstrap") duplicate the real brokers.
      if (absl::EndsWith(name, "/bootstrap")) continue;
      KafkaBrokerStats& out = stats.brokers[name];
      if (const Struct* rtt = Object(broker, "rtt")) {
        out.rtt_avg_seconds = Number(*rtt, "avg") / 1e6;  // microseconds
        out.rtt_p99_seconds = Number(*rtt, "p99") / 1e6;
      }
      out.tx_retries = static_cast<int64_t>(Number(broker, "txretries"));
      out.tx_errors = static_cast<int64_t>(Number(broker, "txerrs"));
      out.outbuf_requests = static_cast<int64_t>(Number(broker, "outbuf_cnt"));
      out.waitresp_requests = static_cast<int64_t>(Number(broker, "waitresp_cnt"));
    }
  }
  return stats;
}

}  // namespace ingest
