#include "services/broker_proxy/ingestctl/render.h"

#include <algorithm>
#include <map>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
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

// rrweb's EventType numbers 0-6, then SessionSummary's "any other type".
constexpr const char* kEventTypes[] = {"dom_loaded", "load",   "full_snapshot", "incremental",
                                       "meta",       "custom", "plugin",        "other"};

// "120 (load 1, full_snapshot 2, incremental 100, ...)": the types that occurred.
std::string EventsText(const v1::SessionSummary& summary) {
  std::vector<std::string> types;
  for (int i = 0; i < summary.events_by_type_size(); ++i) {
    if (summary.events_by_type(i) == 0) continue;
    types.push_back(absl::StrCat(
        i < static_cast<int>(std::size(kEventTypes)) ? kEventTypes[i] : absl::StrCat("type ", i),
        " ", summary.events_by_type(i)));
  }
  std::string out = absl::StrCat(summary.event_count());
  if (!types.empty()) absl::StrAppend(&out, " (", absl::StrJoin(types, ", "), ")");
  return out;
}

std::string OrDash(const std::string& text) { return text.empty() ? "-" : text; }

// `text` as one shell word: as is when it is plain, else single-quoted.
std::string ShellWord(const std::string& text) {
  const bool plain = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
           c == '-' || c == ':' || c == '/' || c == '@';
  });
  if (plain) return text;
  return absl::StrCat("'", absl::StrReplaceAll(text, {{"'", "'\\''"}}), "'");
}

// Milliseconds since the epoch as RFC 3339 UTC to the millisecond, as
// `--since` takes it back.
std::string Rfc3339Millis(int64_t unix_ms) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", absl::FromUnixMillis(unix_ms),
                          absl::UTCTimeZone());
}

// sessions show's KEPT_UNTIL: the last day its rows are kept.
std::string KeptUntil(const v1::GetSessionResponse& response) {
  if (!response.expire_day().empty()) {
    return absl::StrCat(response.expire_day(), " (UTC; retention removes its rows after that day)");
  }
  if (response.expires_by_age()) {
    return "no expiry day (stored before retention; expires by age)";
  }
  return "-";
}

// sessions show's KAFKA: until about when the ingest topic holds its records.
std::string KafkaHolds(const v1::GetSessionResponse& response) {
  const int64_t retention_ms = response.kafka_retention_ms();
  if (retention_ms == -1) return "Kafka retention: unlimited";
  if (retention_ms <= 0) {
    return "Kafka retention: unknown (broker-proxy could not read the topic's retention.ms)";
  }
  const std::string retention = absl::FormatDuration(absl::Milliseconds(retention_ms));
  if (response.kafka_records_until_unix_ms() <= 0) {
    return absl::StrCat("Kafka retention: ", retention, " (no payload of it was received)");
  }
  return absl::StrCat("Kafka holds its records until about ",
                      FormatUnixMillis(response.kafka_records_until_unix_ms()), " (retention ",
                      retention, " after the last)");
}

// A proto map of table -> rows as a table, tables by name.
std::string RowsByTable(const google::protobuf::Map<std::string, int64_t>& rows) {
  const std::map<std::string, int64_t> sorted(rows.begin(), rows.end());
  Table table({{"TABLE"}, {"ROWS", kR}});
  for (const auto& [name, count] : sorted) table.AddRow({name, absl::StrCat(count)});
  return table.Render();
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
  // STATUS is the lifecycle, as in `sessions list`; INGESTION says whether
  // the session's records are flowing or quarantined.
  const bool legacy = response.lifecycle().empty();
  table.AddRow({"STATUS", legacy ? "- (no summary: stored before session summaries)"
                                 : response.lifecycle()});
  table.AddRow({"INGESTION", response.status()});
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
  table.AddRow({"KEPT_UNTIL", KeptUntil(response)});
  table.AddRow({"KAFKA", KafkaHolds(response)});
  if (!response.quarantine_reason().empty() || response.quarantined_at_unix_ms() != 0) {
    table.AddRow({"QUARANTINED", absl::StrCat(FormatUnixMillis(response.quarantined_at_unix_ms()),
                                              ": ", response.quarantine_reason())});
  }
  if (!response.redrive_id().empty()) {
    table.AddRow({"REDRIVE", absl::StrCat(response.redrive_id(), " under way")});
  }
  if (legacy) return table.Render();

  const v1::SessionSummary& summary = response.summary();
  table.AddRow({"LAST_ACTIVITY", FormatUnixMillis(response.last_activity_unix_ms())});
  table.AddRow({"COMPLETED_AT", FormatUnixMillis(response.completed_at_unix_ms())});
  table.AddRow({"LENGTH", FormatMillis(summary.length_ms())});
  table.AddRow({"ACTIVE", FormatMillis(summary.active_ms())});
  table.AddRow({"EVENTS", EventsText(summary)});
  table.AddRow({"CLICKS", absl::StrCat(summary.clicks())});
  table.AddRow({"RAGE_CLICKS", absl::StrCat(summary.rage_clicks())});
  table.AddRow({"ERRORS", absl::StrCat(summary.errors())});
  table.AddRow({"CONSOLE", absl::StrCat(Plural(summary.console_errors(), "error", "errors"), ", ",
                                        Plural(summary.console_warnings(), "warning", "warnings"))});
  table.AddRow({"RESOURCES",
                absl::StrCat(summary.resources(), " (", summary.failed_resources(), " failed)")});
  table.AddRow({"LANDING_PAGE", OrDash(summary.landing_page())});
  table.AddRow({"EXIT_PAGE", OrDash(summary.exit_page())});
  table.AddRow({"PAGES_VISITED", absl::StrCat(summary.pages_visited())});
  for (int i = 0; i < response.pages_size(); ++i) {
    table.AddRow({"", absl::StrCat(i + 1, ". ", response.pages(i))});
  }
  if (response.pages_truncated()) {
    table.AddRow({"", absl::StrCat("... only the first ", response.pages_size(),
                                   " pages are listed")});
  }
  table.AddRow({"UNPARSED", absl::StrCat(summary.unparsed_payloads(), " of ",
                                         Plural(summary.payloads(), "payload", "payloads"))});
  table.AddRow({"REOPENED", Plural(response.reopened_count(), "time", "times")});
  return table.Render();
}

std::string RenderSessionList(const v1::ListSessionsRequest& request,
                              const v1::ListSessionsResponse& response) {
  if (response.sessions().empty()) {
    return response.next_page_token().empty() ? "no sessions\n" : "no sessions on this page\n";
  }
  Table table({{"SESSION"},
               {"PROJECT"},
               {"STATUS"},
               {"CREATED"},
               {"LAST_ACTIVITY"},
               {"PAYLOADS", kR},
               {"LENGTH", kR},
               {"ACTIVE", kR},
               {"CLICKS", kR},
               {"RAGE", kR},
               {"ERRORS", kR},
               {"PAGES", kR},
               {"LANDING_PAGE"},
               {"EXIT_PAGE"}});
  for (const v1::SessionListItem& item : response.sessions()) {
    const bool legacy = item.lifecycle().empty();
    const auto count = [&](int64_t value) {
      return legacy ? std::string("-") : absl::StrCat(value);
    };
    table.AddRow({item.session_id(), item.project_id(), legacy ? "legacy" : item.lifecycle(),
                  FormatUnixMillis(item.created_unix_ms()),
                  FormatUnixMillis(item.last_activity_unix_ms()), absl::StrCat(item.payloads()),
                  legacy ? "-" : FormatMillis(item.length_ms()),
                  legacy ? "-" : FormatMillis(item.active_ms()), count(item.clicks()),
                  count(item.rage_clicks()), count(item.errors()), count(item.pages_visited()),
                  OrDash(item.landing_page()), OrDash(item.exit_page())});
  }
  std::string out = table.Render();
  absl::StrAppend(&out, Plural(response.sessions_size(), "session", "sessions"));
  if (!response.next_page_token().empty()) {
    std::string next = "ingestctl sessions list";
    if (!request.project_id().empty()) {
      absl::StrAppend(&next, " --project=", ShellWord(request.project_id()));
    }
    if (!request.status().empty()) absl::StrAppend(&next, " --status=", request.status());
    if (request.since_unix_ms() > 0) {
      absl::StrAppend(&next, " --since=", Rfc3339Millis(request.since_unix_ms()));
    }
    if (request.limit() > 0) absl::StrAppend(&next, " --limit=", request.limit());
    absl::StrAppend(&out, "; more: ", next, " --page_token=", response.next_page_token());
  }
  absl::StrAppend(&out, "\n");
  return out;
}

std::string RenderErasure(const v1::EraseSessionsRequest& request,
                          const v1::EraseSessionsResponse& response) {
  const bool dry = response.dry_run();
  if (response.sessions().empty()) {
    std::string out = absl::StrCat("no session of that user in project ", request.project_id(),
                                   ": nothing to erase");
    if (!dry && response.erasure_id() > 0) {
      absl::StrAppend(&out, " (the request is recorded as erasure ", response.erasure_id(), ")");
    }
    return absl::StrCat(out, "\n");
  }
  Table sessions({{"SESSION"}, {"PROJECT"}, {"ROWS", kR}, {"BYTES", kR}});
  int64_t without_rows = 0;
  for (const v1::ErasedSession& session : response.sessions()) {
    if (session.project_id().empty()) ++without_rows;
    sessions.AddRow({session.session_id(), OrDash(session.project_id()),
                     absl::StrCat(session.rows()), FormatBytes(session.bytes())});
  }
  std::string out =
      absl::StrCat(sessions.Render(), "\n", RowsByTable(response.rows_by_table()), "\n");
  const std::string what =
      absl::StrCat(Plural(response.sessions_size(), "session", "sessions"), ", ",
                   Plural(response.rows(), "row", "rows"), ", ", FormatBytes(response.bytes()));
  if (dry) {
    absl::StrAppend(&out, "dry run: would erase ", what,
                    "; nothing changed (run again without --dry-run to erase)\n");
  } else {
    absl::StrAppend(&out, "erased ", what, ": erasure ", response.erasure_id(),
                    " (erasure_audit)\n",
                    "records of these sessions that arrive later (a late payload, a replay, a DLQ "
                    "redrive) are dropped, never stored\n",
                    "Kafka keeps their records until the topic's retention removes them\n");
  }
  if (without_rows > 0) {
    absl::StrAppend(&out, Plural(without_rows, "session", "sessions"),
                    " without rows (PROJECT -): ",
                    dry ? "only a tombstone would be left" : "only a tombstone was left", "\n");
  }
  return out;
}

std::string RenderRetention(const v1::EnforceRetentionResponse& response) {
  const bool dry = response.dry_run();
  std::string out = absl::StrCat("today ", response.today(),
                                 " (UTC): the day partitions of earlier days have expired\n");
  if (response.partitions().empty()) {
    absl::StrAppend(&out, "no day partition has expired\n");
  } else {
    Table partitions({{"TABLE"}, {"PARTITION"}, {"DAY"}, {"SIZE", kR}});
    for (const v1::RetentionPartition& partition : response.partitions()) {
      partitions.AddRow(
          {partition.table(), partition.name(), partition.day(), FormatBytes(partition.bytes())});
    }
    absl::StrAppend(&out, partitions.Render(), dry ? "would drop " : "dropped ",
                    Plural(response.partitions_size(), "partition", "partitions"), " (",
                    FormatBytes(response.bytes_dropped()), ")\n");
  }
  absl::StrAppend(&out, dry ? "would delete " : "deleted ",
                  Plural(response.sessions_deleted(), "expired session", "expired sessions"),
                  " and ", Plural(response.rows_deleted(), "row", "rows"), " in batches\n");
  bool any_rows = false;
  for (const auto& [table, rows] : response.rows_by_table()) any_rows |= rows > 0;
  if (any_rows) absl::StrAppend(&out, RowsByTable(response.rows_by_table()));
  if (dry) {
    absl::StrAppend(&out, "dry run: nothing changed (run again without --dry-run to enforce)\n");
    return out;
  }
  if (response.partitions_busy()) {
    absl::StrAppend(&out,
                    "partitions ahead: another maintainer (a worker) was creating them; this run "
                    "created none\n");
  } else {
    absl::StrAppend(&out, "partitions ahead: ", response.partitions_created(), " created\n");
  }
  if (!response.partitions_skipped().empty()) {
    absl::StrAppend(&out,
                    "not created (the default partition holds rows of their day; those expire "
                    "with their sessions): ",
                    absl::StrJoin(response.partitions_skipped(), ", "), "\n");
  }
  absl::StrAppend(&out, "run ", response.run_id(), " (retention_runs)\n");
  return out;
}

}  // namespace ingest::ingestctl
