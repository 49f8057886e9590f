#include "services/broker_proxy/ingestctl/render.h"

#include <algorithm>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/json_util.h"
#include "services/broker_proxy/ingestctl/format.h"
#include "services/broker_proxy/ingestctl/table.h"

namespace ingest::ingestctl {
namespace {

constexpr Align kR = Align::kRight;

std::string Plural(int64_t count, absl::string_view one, absl::string_view many) {
  return absl::StrCat(count, " ", count == 1 ? one : many);
}

std::string Owner(const v1::PartitionLag& partition) {
  std::string owner = !partition.owner_instance().empty() ? partition.owner_instance()
                                                          : partition.owner_member();
  if (owner.empty()) return "-";
  if (!partition.owner_host().empty()) absl::StrAppend(&owner, "@", partition.owner_host());
  return owner;
}

std::string TopicOneLine(const v1::TopicDescription& topic) {
  return absl::StrCat(Plural(topic.partitions_size(), "partition", "partitions"),
                      ", replication factor ", topic.replication_factor(),
                      ", size ", FormatBytes(topic.size_bytes()));
}

std::string Findings(const v1::TopicDescription& topic) {
  if (topic.unsafe().empty()) return "UNSAFE: none\n";
  std::string out = absl::StrCat("UNSAFE: ", Plural(topic.unsafe_size(), "finding", "findings"),
                                 " on ", topic.name(), "\n");
  for (const v1::SafetyFinding& finding : topic.unsafe()) {
    absl::StrAppend(&out, "  ", finding.rule(), ": ", finding.problem(), "\n", "    fix: ",
                    finding.fix(), "\n");
  }
  return out;
}

}  // namespace

std::string RenderJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  const auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    // Only invalid UTF-8 in a string field can fail; say so rather than print half.
    return absl::StrCat("{\"error\":\"cannot print the response as JSON: ",
                        std::string(status.message()), "\"}\n");
  }
  return json + "\n";
}

std::string RenderEnsureTopics(const v1::EnsureTopicsResponse& response) {
  Table table({{"TOPIC"}, {"RESULT"}, {"PARTITIONS", kR}, {"REPLICATION", kR}, {"SIZE", kR}});
  for (const v1::TopicOutcome& outcome : response.topics()) {
    std::string action = "?";
    if (outcome.action() == v1::TopicOutcome::CREATED) action = "created";
    if (outcome.action() == v1::TopicOutcome::ALREADY_SAFE) action = "already safe";
    const v1::TopicDescription& description = outcome.description();
    table.AddRow({outcome.name(), action, absl::StrCat(description.partitions_size()),
                  absl::StrCat(description.replication_factor()),
                  FormatBytes(description.size_bytes())});
  }
  std::string out = table.empty() ? "no topics in the answer\n" : table.Render();
  // A successful answer has no findings; print any the server still sends.
  for (const v1::TopicOutcome& outcome : response.topics()) {
    if (!outcome.description().unsafe().empty()) {
      absl::StrAppend(&out, "\n", Findings(outcome.description()));
    }
  }
  return out;
}

std::string RenderTopic(const v1::TopicDescription& topic) {
  std::string out = absl::StrCat("TOPIC ", topic.name(), ": ", TopicOneLine(topic), ", ",
                                 Plural(topic.under_replicated_partitions(),
                                        "under-replicated partition",
                                        "under-replicated partitions"),
                                 "\n\n");
  Table partitions({{"PARTITION", kR},
                    {"LEADER", kR},
                    {"REPLICAS"},
                    {"ISR"},
                    {"LOW", kR},
                    {"HIGH", kR},
                    {"SIZE", kR},
                    {"NOTE"}});
  for (const v1::PartitionDescription& p : topic.partitions()) {
    std::vector<std::string> notes;
    if (p.leader() < 0) notes.push_back("no leader");
    if (p.isr_size() < p.replicas_size()) notes.push_back("under-replicated");
    partitions.AddRow({absl::StrCat(p.partition()),
                       p.leader() < 0 ? "none" : absl::StrCat(p.leader()),
                       FormatIds(p.replicas()), FormatIds(p.isr()),
                       FormatOffset(p.low_watermark()), FormatOffset(p.high_watermark()),
                       FormatBytes(p.size_bytes()), absl::StrJoin(notes, ", ")});
  }
  absl::StrAppend(&out, partitions.empty() ? "no partitions\n" : partitions.Render(), "\n");

  const std::map<std::string, std::string> sorted(topic.configs().begin(),
                                                   topic.configs().end());
  Table configs({{"CONFIG"}, {"VALUE"}});
  for (const auto& [key, value] : sorted) configs.AddRow({key, value});
  absl::StrAppend(&out, configs.empty() ? "no configuration in the answer\n" : configs.Render(),
                  "\n", Findings(topic));
  return out;
}

std::string RenderConsumerLag(const v1::GetConsumerLagResponse& response) {
  Table table({{"PARTITION", kR},
               {"HIGH_WATERMARK", kR},
               {"DB_OFFSET", kR},
               {"KAFKA_COMMITTED", kR},
               {"LAG", kR},
               {"OLDEST_AGE", kR},
               {"OWNER"}});
  double oldest = 0;
  for (const v1::PartitionLag& p : response.partitions()) {
    oldest = std::max(oldest, p.oldest_unprocessed_age_seconds());
    table.AddRow({absl::StrCat(p.partition()), FormatOffset(p.high_watermark()),
                  FormatOffset(p.database_next_offset()),
                  FormatOffset(p.kafka_committed_offset()), absl::StrCat(p.lag()),
                  FormatAge(p.oldest_unprocessed_age_seconds()), Owner(p)});
  }
  table.AddRow({"TOTAL", "", "", "", absl::StrCat(response.total_lag()), FormatAge(oldest), ""});
  std::string out =
      absl::StrCat(table.Render(), "group ", response.group(), " on ", response.topic(), ": ",
                   response.group_state().empty() ? "state unknown" : response.group_state(),
                   ", ", Plural(response.members(), "member", "members"), "\n");
  // A database offset past the log's end cannot be consumed from: the topic
  // was recreated or truncated under the worker, which stops the partition
  // rather than skip what it never saw. Lag reads 0 there; say so.
  for (const v1::PartitionLag& p : response.partitions()) {
    if (p.database_next_offset() > p.high_watermark()) {
      absl::StrAppend(&out, "WARNING partition ", p.partition(), ": the database's next offset ",
                      p.database_next_offset(), " is past the end of the log (",
                      p.high_watermark(),
                      "): the topic was recreated or truncated, and the worker stops this "
                      "partition (kafka.offset_out_of_range in its log) until its offsets are "
                      "reset\n");
    }
  }
  return out;
}

std::string RenderDeadLetters(const v1::ListDeadLettersResponse& response) {
  if (response.letters().empty()) {
    return response.next_page_token().empty() ? "no dead letters\n"
                                              : "no dead letters on this page\n";
  }
  Table table({{"DLQ"},
               {"SESSION"},
               {"PAYLOAD_ID", kR},
               {"REASON"},
               {"ORIGIN"},
               {"DEAD_LETTERED"},
               {"SIZE", kR},
               {"DETAIL"}});
  for (const v1::DeadLetter& letter : response.letters()) {
    table.AddRow({absl::StrCat(letter.dlq_partition(), "/", letter.dlq_offset()),
                  letter.session_id(),
                  letter.payload_id() == 0 ? "-" : absl::StrCat(letter.payload_id()),
                  letter.reason(),
                  absl::StrCat(letter.origin_partition(), "/", letter.origin_offset()),
                  FormatUnixMillis(letter.dead_lettered_at_unix_ms()),
                  FormatBytes(letter.value_bytes()), letter.detail()});
  }
  std::string out = table.Render();
  absl::StrAppend(&out, Plural(response.letters_size(), "letter", "letters"));
  if (!response.next_page_token().empty()) {
    absl::StrAppend(&out, "; more with --page_token=", response.next_page_token());
  }
  absl::StrAppend(&out, "\n");
  return out;
}

std::string RenderRedrive(const v1::RedriveSessionRequest& request,
                          const v1::RedriveSessionResponse& response) {
  std::string out = absl::StrCat(request.dry_run() ? "dry run: would redrive " : "redrove ",
                                 Plural(response.redriven(), "record", "records"),
                                 " of session ", request.session_id());
  if (response.redriven() > 0) {
    absl::StrAppend(&out, " (partition ", response.first_partition(), ", offsets ",
                    response.first_offset(), "..", response.last_offset(), ")");
  }
  if (!response.redrive_id().empty()) {
    absl::StrAppend(&out, "\nredrive id: ", response.redrive_id(), " (dead letters below offset ",
                    response.scanned_through(), ")");
  }
  absl::StrAppend(&out, "\nskipped undecodable: ", response.skipped_undecodable(),
                  "\nquarantine: ",
                  response.quarantine_lifted() ? "lifted"
                  : request.dry_run()          ? "unchanged (dry run)"
                  : response.redrive_id().empty()
                      ? "still in place"
                      : "still in place until the worker stores the last record "
                        "(ingestctl sessions show, or --wait)",
                  "\n");
  return out;
}

std::string RenderReplay(const v1::ReplaySessionRequest& request,
                         const v1::ReplaySessionResponse& response) {
  return absl::StrCat("session ", request.session_id(), ", partition ", response.partition(),
                      ": ", Plural(response.records_found(), "record", "records"), " found, ",
                      request.dry_run() ? "none replayed (dry run)"
                                        : absl::StrCat(response.records_replayed(), " replayed"),
                      "\n");
}

std::string RenderResetOffsets(const v1::ResetOffsetsResponse& response) {
  Table table({{"PARTITION", kR}, {"FROM", kR}, {"TO", kR}, {"CHANGE", kR}});
  for (const v1::OffsetChange& change : response.changes()) {
    std::string delta = "-";
    if (change.from_offset() >= 0) {
      const int64_t d = change.to_offset() - change.from_offset();
      delta = d > 0 ? absl::StrCat("+", d) : absl::StrCat(d);
    }
    table.AddRow({absl::StrCat(change.partition()), FormatOffset(change.from_offset()),
                  FormatOffset(change.to_offset()), delta});
  }
  std::string out = table.empty() ? "no partitions to change\n" : table.Render();
  absl::StrAppend(&out, response.applied()
                            ? "applied: Kafka's and the database's offsets moved\n"
                            : "dry run: nothing changed; run again with --execute to apply\n");
  return out;
}

std::string RenderSession(const v1::GetSessionResponse& response) {
  Table table({{""}, {""}});
  table.AddRow({"SESSION", response.session_id()});
  table.AddRow({"PROJECT", response.project_id().empty() ? "-" : response.project_id()});
  table.AddRow({"STATUS", response.status()});
  table.AddRow({"PAYLOADS", absl::StrCat(response.payloads(), " (highest payload id ",
                                         response.highest_payload_id(), ")")});
  std::vector<std::string> gaps;
  for (const v1::PayloadGap& gap : response.gaps()) {
    gaps.push_back(gap.from_payload_id() == gap.to_payload_id()
                       ? absl::StrCat(gap.from_payload_id())
                       : absl::StrCat(gap.from_payload_id(), "..", gap.to_payload_id()));
  }
  table.AddRow({"GAPS", gaps.empty() ? "none" : absl::StrJoin(gaps, ", ")});
  table.AddRow({"STORED", FormatBytes(response.stored_bytes())});
  table.AddRow({"FIRST_RECEIVED", FormatUnixMillis(response.first_received_unix_ms())});
  table.AddRow({"LAST_RECEIVED", FormatUnixMillis(response.last_received_unix_ms())});
  if (!response.quarantine_reason().empty() || response.quarantined_at_unix_ms() != 0) {
    table.AddRow({"QUARANTINED", absl::StrCat(FormatUnixMillis(response.quarantined_at_unix_ms()),
                                              ": ", response.quarantine_reason())});
  }
  if (!response.redrive_id().empty()) {
    table.AddRow({"REDRIVE", absl::StrCat(response.redrive_id(), " under way")});
  }
  return table.Render();
}

}  // namespace ingest::ingestctl
