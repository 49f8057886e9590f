#include "services/broker_proxy/ingestctl/command_line.h"

#include <cstdint>
#include <limits>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/broker_proxy/ingestctl/table.h"

namespace ingest::ingestctl {
namespace {

enum class Kind {
  kBool,              // --name, --name=true|false
  kValue,             // --name=VALUE or --name VALUE
  kOptionalDuration,  // --name or --name=DURATION (never --name VALUE)
};

struct FlagSpec {
  std::string name;   // without dashes, with underscores
  Kind kind;
  std::string value;  // placeholder in help: "N", "DURATION", ...
  std::string help;
};

struct CommandSpec {
  Command command;
  std::string group;       // "topics", "lag", ...
  std::string sub;         // "ensure"; empty for a command without subcommands
  std::string argument;    // required positional, e.g. "SESSION_ID"; empty for none
  std::string rpc;         // the admin.proto RPC it calls
  std::string summary;     // one line
  std::string details;     // a paragraph or empty
  std::vector<FlagSpec> flags;
  std::vector<std::string> examples;

  std::string name() const { return sub.empty() ? group : absl::StrCat(group, " ", sub); }
};

const std::vector<FlagSpec>& GlobalFlags() {
  static const auto* const kFlags = new std::vector<FlagSpec>{
      {"server", Kind::kValue, "HOST:PORT",
       "broker-proxy's gRPC address (env INGESTCTL_SERVER; default 127.0.0.1:9110)."},
      {"token", Kind::kValue, "TOKEN",
       "Operator token, sent as `authorization: Bearer TOKEN` (env INGESTCTL_TOKEN)."},
      {"token_file", Kind::kValue, "PATH",
       "Read the token from this file instead (env INGESTCTL_TOKEN_FILE)."},
      {"timeout", Kind::kValue, "DURATION", "Deadline of each call, e.g. 10s, 1m (default 10s)."},
      {"json", Kind::kBool, "",
       "Print each response as one line of JSON with admin.proto's field names, for scripts."},
      {"help", Kind::kBool, "", "Print help (also -h); `ingestctl <command> --help` for a command."},
  };
  return *kFlags;
}

const std::vector<CommandSpec>& Commands() {
  static const auto* const kCommands = new std::vector<CommandSpec>{
      {Command::kTopicsEnsure, "topics", "ensure", "", "EnsureTopics",
       "Create the ingest topic and its dead-letter topic, or check they are safe.",
       "Creates <topic> and <topic>.dlq with cleanup.policy=delete, or checks that they "
       "exist with safe settings. Never alters an existing topic. Unsafe settings, "
       "requested or found, are refused (exit 3) with each rule broken and its fix. "
       "Unset flags take broker-proxy's defaults.",
       {{"topic", Kind::kValue, "NAME", "Ingest topic (server default: ingest.tasks)."},
        {"partitions", Kind::kValue, "N", "Partitions of a topic to create."},
        {"replication_factor", Kind::kValue, "N", "Replication factor (3 in production)."},
        {"min_insync_replicas", Kind::kValue, "N", "min.insync.replicas (2 in production)."},
        {"retention", Kind::kValue, "DURATION",
         "retention.ms as a duration (e.g. 168h), or `forever`."},
        {"max_message_bytes", Kind::kValue, "BYTES", "max.message.bytes."},
        {"force", Kind::kBool, "",
         "Accept min.insync.replicas=1 with replication factor >= 3; nothing else can be "
         "forced."}},
       {"ingestctl topics ensure --partitions=12 --replication_factor=3 "
        "--min_insync_replicas=2"}},
      {Command::kTopicsDescribe, "topics", "describe", "", "DescribeTopic",
       "Partitions, configuration, size and unsafe settings of a topic.",
       "Prints each partition's leader, replicas, in-sync replicas, watermarks and size, the "
       "topic's effective configuration, and an UNSAFE section with every broken safety "
       "rule and how to fix it.",
       {{"topic", Kind::kValue, "NAME", "Topic (server default: ingest.tasks)."}},
       {"ingestctl topics describe", "ingestctl topics describe --topic=ingest.tasks.dlq"}},
      {Command::kLag, "lag", "", "", "GetConsumerLag",
       "Consumer-group lag per partition.",
       "Per partition: high watermark, the database's next offset (where the worker "
       "resumes), Kafka's committed offset, the lag, the age of the oldest unprocessed "
       "record and the owning member; then the total and the group's state.",
       {{"group", Kind::kValue, "GROUP", "Consumer group (server default: ingest-workers)."},
        {"topic", Kind::kValue, "NAME", "Topic (server default: ingest.tasks)."},
        {"watch", Kind::kOptionalDuration, "INTERVAL",
         "Redraw every INTERVAL (default 2s) until Ctrl-C: --watch or --watch=5s."}},
       {"ingestctl lag", "ingestctl lag --watch=5s", "ingestctl lag --json | jq .total_lag"}},
      {Command::kDlqList, "dlq", "list", "", "ListDeadLetters",
       "Browse the dead-letter topic.",
       "One line per dead letter: where it sits in the DLQ, its session and payload id, "
       "the reason, where it came from in the ingest topic, when, and its size.",
       {{"topic", Kind::kValue, "NAME", "Dead-letter topic (server default: ingest.tasks.dlq)."},
        {"session", Kind::kValue, "SESSION_ID", "Only this session's letters."},
        {"reason", Kind::kValue, "REASON",
         "Only this reason (undecodable, invalid_task, quarantined_session, ...)."},
        {"limit", Kind::kValue, "N", "At most N letters (server default 100, at most 10000)."},
        {"page_token", Kind::kValue, "TOKEN", "Resume where a previous listing stopped."}},
       {"ingestctl dlq list --session=3f2a9c --limit=20"}},
      {Command::kDlqRedrive, "dlq", "redrive", "SESSION_ID", "RedriveSession",
       "Produce a quarantined session's dead letters back, in order, and lift its quarantine.",
       "Refused (exit 3) while a letter of the session is undecodable, unless "
       "--skip_undecodable. The worker lifts the quarantine when it stores the last "
       "record; --wait waits for that. Large sessions may need a longer --timeout.",
       {{"topic", Kind::kValue, "NAME", "Ingest topic (server default: ingest.tasks)."},
        {"skip_undecodable", Kind::kBool, "", "Leave undecodable letters out."},
        {"dry_run", Kind::kBool, "", "Report what would be redriven; change nothing."},
        {"wait", Kind::kBool, "",
         "Then wait until the worker lifts the quarantine (exit 0) or the redrive fails "
         "(exit 1), reading the session every 500ms."},
        {"wait_timeout", Kind::kValue, "DURATION",
         "How long --wait waits (default 120s); past it, exit 1."}},
       {"ingestctl dlq redrive 3f2a9c --dry_run", "ingestctl dlq redrive 3f2a9c --wait"}},
      {Command::kReplay, "replay", "", "SESSION_ID", "ReplaySession",
       "Re-read a session's records from the ingest topic and process them again.",
       "By offset range (in the session's partition) or time range; neither means the whole "
       "retained topic. Payload rows are keyed by (session, payload_id, chunk), other rows by "
       "where each record first entered the topic, so a replay never duplicates.",
       {{"topic", Kind::kValue, "NAME", "Ingest topic (server default: ingest.tasks)."},
        {"from_offset", Kind::kValue, "OFFSET", "First offset to re-read."},
        {"to_offset", Kind::kValue, "OFFSET", "Last offset to re-read."},
        {"from_time", Kind::kValue, "RFC3339", "Re-read records from this time."},
        {"to_time", Kind::kValue, "RFC3339", "Re-read records up to this time."},
        {"dry_run", Kind::kBool, "", "Count what would be replayed; produce nothing."}},
       {"ingestctl replay 3f2a9c --from_time=2024-05-01T12:00:00Z --dry_run"}},
      {Command::kOffsetsReset, "offsets", "reset", "", "ResetOffsets",
       "Move a stopped consumer group's offsets, in Kafka and in the worker's database.",
       "Like kafka-consumer-groups: --dry_run shows the change per partition, --execute "
       "applies it; one of them is required. Refused (exit 3) while the group has members: "
       "scale the workers to zero first.",
       {{"group", Kind::kValue, "GROUP", "Consumer group (server default: ingest-workers)."},
        {"topic", Kind::kValue, "NAME", "Topic (server default: ingest.tasks)."},
        {"to", Kind::kValue, "WHERE", "earliest, latest, or an RFC 3339 time. Required."},
        {"dry_run", Kind::kBool, "", "Show what would change; change nothing."},
        {"execute", Kind::kBool, "", "Apply the change."}},
       {"ingestctl offsets reset --to=earliest --dry-run",
        "ingestctl offsets reset --to=2024-05-01T12:00:00Z --execute"}},
      {Command::kSessionsShow, "sessions", "show", "SESSION_ID", "GetSession",
       "What the database holds of one session, and what the worker made of it.",
       "Status, payloads and the highest payload id, gaps in the payload ids, stored bytes, "
       "quarantine; then the worker's lifecycle (live or completed, when it completed, how "
       "often it was reopened) and its summary: length and active time, events by type, "
       "clicks, rage clicks, errors, console errors and warnings, resources, landing and exit "
       "page, the pages visited in order (the first 1000), unparsed payloads. A session "
       "stored before summaries has none.",
       {},
       {"ingestctl sessions show 3f2a9c", "ingestctl sessions show 3f2a9c --json | jq .summary"}},
      {Command::kSessionsList, "sessions", "list", "", "ListSessions",
       "The stored sessions, newest first, with their lifecycle and summary.",
       "One line per session: project, lifecycle, created, last activity, payloads, length, "
       "active time, clicks, rage clicks, errors, pages visited, landing and exit page. "
       "Ordered by creation time, newest first. A page that is not the last ends with the "
       "command that lists the next one; --all follows every page.",
       {{"project", Kind::kValue, "PROJECT_ID", "Only this project's sessions."},
        {"status", Kind::kValue, "STATUS", "Only live or only completed sessions."},
        {"since", Kind::kValue, "WHEN",
         "Only sessions created at or after WHEN: a duration back from now (30m, 24h, 7d) "
         "or an RFC 3339 time."},
        {"limit", Kind::kValue, "N", "Sessions per page (server default 50, at most 1000)."},
        {"page_token", Kind::kValue, "TOKEN", "Resume where a previous listing stopped."},
        {"all", Kind::kBool, "",
         "Follow every page (with --json: one line per page)."}},
       {"ingestctl sessions list --project=demo-project --status=live",
        "ingestctl sessions list --since=24h --limit=200 --all",
        "ingestctl sessions list --status=completed --json | jq -r '.sessions[].session_id'"}},
  };
  return *kCommands;
}

const FlagSpec* FindFlag(const std::vector<FlagSpec>& flags, absl::string_view name) {
  for (const FlagSpec& flag : flags) {
    if (flag.name == name) return &flag;
  }
  return nullptr;
}

bool IsGroup(absl::string_view word) {
  for (const CommandSpec& spec : Commands()) {
    if (spec.group == word) return true;
  }
  return false;
}

std::vector<const CommandSpec*> GroupCommands(absl::string_view group) {
  std::vector<const CommandSpec*> specs;
  for (const CommandSpec& spec : Commands()) {
    if (spec.group == group) specs.push_back(&spec);
  }
  return specs;
}

std::string SubcommandList(absl::string_view group) {
  std::vector<std::string> subs;
  for (const CommandSpec* spec : GroupCommands(group)) subs.push_back(spec->sub);
  return absl::StrJoin(subs, ", ");
}

std::string FlagUsage(const FlagSpec& flag) {
  switch (flag.kind) {
    case Kind::kBool:
      return absl::StrCat("--", flag.name);
    case Kind::kValue:
      return absl::StrCat("--", flag.name, "=", flag.value);
    case Kind::kOptionalDuration:
      return absl::StrCat("--", flag.name, "[=", flag.value, "]");
  }
  return "";
}

std::string FlagTable(const std::vector<FlagSpec>& flags) {
  Table table({{""}, {""}});
  for (const FlagSpec& flag : flags) table.AddRow({"  " + FlagUsage(flag), flag.help});
  return table.Render();
}

// `text` broken into lines of at most `width` characters at spaces.
std::string Wrap(absl::string_view text, size_t width = 80) {
  std::string out;
  size_t line = 0;
  for (absl::string_view word : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    if (line > 0 && line + 1 + word.size() > width) {
      out += '\n';
      line = 0;
    } else if (line > 0) {
      out += ' ';
      ++line;
    }
    absl::StrAppend(&out, word);
    line += word.size();
  }
  return out;
}

std::string CommandHelp(const CommandSpec& spec) {
  std::string usage = absl::StrCat("Usage: ingestctl ", spec.name());
  if (!spec.argument.empty()) absl::StrAppend(&usage, " ", spec.argument);
  if (!spec.flags.empty()) absl::StrAppend(&usage, " [flags]");
  std::string help = absl::StrCat("ingestctl ", spec.name(), ": ", spec.summary, "\n\n", usage,
                                  "\n\n", Wrap(absl::StrCat(spec.details, " Calls BrokerProxy.", spec.rpc, ".")),
                                  "\n");
  if (!spec.flags.empty()) absl::StrAppend(&help, "\nFlags:\n", FlagTable(spec.flags));
  absl::StrAppend(&help,
                  "\nGlobal flags: --server, --token, --token_file, --timeout, --json "
                  "(see ingestctl --help).\n\nExample",
                  spec.examples.size() > 1 ? "s" : "", ":\n");
  for (const std::string& example : spec.examples) absl::StrAppend(&help, "  ", example, "\n");
  return help;
}

std::string GroupHelp(absl::string_view group) {
  std::string help =
      absl::StrCat("Usage: ingestctl ", group, " <", absl::StrReplaceAll(SubcommandList(group),
                                                                         {{", ", "|"}}),
                   "> [flags]\n\nCommands:\n");
  Table table({{""}, {""}});
  for (const CommandSpec* spec : GroupCommands(group)) {
    table.AddRow({"  " + spec->name(), spec->summary});
  }
  absl::StrAppend(&help, table.Render(), "\nRun `ingestctl ", group,
                  " <command> --help` for its flags and an example.\n");
  return help;
}

absl::Status UsageError(absl::string_view message) {
  return absl::InvalidArgumentError(message);
}

absl::StatusOr<int64_t> ParseInt(absl::string_view flag, absl::string_view value, int64_t min,
                                 int64_t max) {
  int64_t parsed = 0;
  if (!absl::SimpleAtoi(value, &parsed) || parsed < min || parsed > max) {
    return UsageError(absl::StrCat("--", flag, "=", value, ": want an integer from ", min,
                                   " to ", max));
  }
  return parsed;
}

absl::StatusOr<bool> ParseBool(absl::string_view flag, absl::string_view value) {
  const std::string lower = absl::AsciiStrToLower(value);
  if (lower == "true" || lower == "1" || lower == "yes") return true;
  if (lower == "false" || lower == "0" || lower == "no") return false;
  return UsageError(absl::StrCat("--", flag, "=", value, ": want true or false"));
}

absl::StatusOr<absl::Duration> ParsePositiveDuration(absl::string_view flag,
                                                     absl::string_view value) {
  absl::Duration duration;
  if (!absl::ParseDuration(value, &duration) || duration <= absl::ZeroDuration() ||
      duration == absl::InfiniteDuration()) {
    return UsageError(absl::StrCat("--", flag, "=", value,
                                   ": want a positive duration such as 500ms, 10s, 2m"));
  }
  return duration;
}

// `sessions list --since`: an RFC 3339 time (`at`), or a positive duration
// back from now (`ago`; also whole days as "7d").
struct Since {
  std::optional<int64_t> at_unix_ms;
  std::optional<absl::Duration> ago;
};

absl::StatusOr<Since> ParseSince(absl::string_view value) {
  absl::Time time;
  std::string error;
  if (absl::ParseTime(absl::RFC3339_full, value, &time, &error)) {
    if (time < absl::UnixEpoch()) {
      return UsageError(absl::StrCat("--since=", value, ": before 1970"));
    }
    return Since{absl::ToUnixMillis(time), std::nullopt};
  }
  absl::Duration ago;
  int64_t days = 0;
  if (absl::string_view number = value; absl::ConsumeSuffix(&number, "d") &&
                                         absl::SimpleAtoi(number, &days) && days > 0 &&
                                         days <= 100000) {
    return Since{std::nullopt, absl::Hours(24) * days};
  }
  if (absl::ParseDuration(value, &ago) && ago > absl::ZeroDuration() &&
      ago != absl::InfiniteDuration()) {
    return Since{std::nullopt, ago};
  }
  return UsageError(absl::StrCat("--since=", value,
                                 ": want a duration back from now (30m, 24h, 7d) or an RFC 3339 "
                                 "time such as 2024-05-01T12:00:00Z"));
}

absl::StatusOr<int64_t> ParseUnixMillis(absl::string_view flag, absl::string_view value) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, value, &time, &error)) {
    return UsageError(absl::StrCat("--", flag, "=", value,
                                   ": want an RFC 3339 time such as 2024-05-01T12:00:00Z"));
  }
  return absl::ToUnixMillis(time);
}

// The flags of one command line, by normalized name, as given.
using FlagValues = std::map<std::string, std::string>;

// `lhs = *expr`, or returns the error of `expr`.
#define SI_INGESTCTL_ASSIGN_OR_RETURN(lhs, expr) \
  do {                                           \
    auto result = (expr);                        \
    if (!result.ok()) return result.status();    \
    lhs = *result;                               \
  } while (false)

absl::Status BuildGlobal(const FlagValues& flags, const Environment& environment,
                         GlobalOptions& global) {
  auto from = [&](const std::string& flag, const std::string& env) -> std::optional<std::string> {
    if (auto it = flags.find(flag); it != flags.end()) return it->second;
    if (auto it = environment.find(env); it != environment.end() && !it->second.empty()) {
      return it->second;
    }
    return std::nullopt;
  };
  if (auto server = from("server", "INGESTCTL_SERVER")) global.server = *server;
  if (global.server.empty()) return UsageError("--server is empty: want HOST:PORT");
  const bool token_flag = flags.contains("token");
  const bool token_file_flag = flags.contains("token_file");
  if (token_flag && token_file_flag) {
    return UsageError("--token and --token_file are exclusive: give one");
  }
  if (token_flag) {
    global.token = flags.at("token");
  } else if (token_file_flag) {
    global.token_file = flags.at("token_file");
  } else if (auto token = from("", "INGESTCTL_TOKEN")) {
    global.token = *token;
  } else if (auto file = from("", "INGESTCTL_TOKEN_FILE")) {
    global.token_file = *file;
  }
  if (auto it = flags.find("timeout"); it != flags.end()) {
    SI_INGESTCTL_ASSIGN_OR_RETURN(global.timeout, ParsePositiveDuration("timeout", it->second));
  }
  if (auto it = flags.find("json"); it != flags.end()) {
    SI_INGESTCTL_ASSIGN_OR_RETURN(global.json, ParseBool("json", it->second));
  }
  return absl::OkStatus();
}

constexpr int64_t kMaxInt32 = std::numeric_limits<int32_t>::max();
constexpr int64_t kMaxInt64 = std::numeric_limits<int64_t>::max();

absl::Status BuildRequest(const CommandSpec& spec, const FlagValues& flags,
                          const std::string& argument, Invocation& invocation) {
  auto has = [&](const char* name) { return flags.contains(name); };
  auto str = [&](const char* name) { return has(name) ? flags.at(name) : std::string(); };
  auto flag_bool = [&](const char* name) -> absl::StatusOr<bool> {
    return has(name) ? ParseBool(name, flags.at(name)) : absl::StatusOr<bool>(false);
  };
  auto int_flag = [&](const char* name, int64_t min, int64_t max) -> absl::StatusOr<int64_t> {
    return has(name) ? ParseInt(name, flags.at(name), min, max) : absl::StatusOr<int64_t>(0);
  };
  switch (spec.command) {
    case Command::kTopicsEnsure: {
      v1::TopicSpec& topic = *invocation.ensure_topics.mutable_topic();
      topic.set_name(str("topic"));
      int64_t value = 0;
      SI_INGESTCTL_ASSIGN_OR_RETURN(value, int_flag("partitions", 1, kMaxInt32));
      topic.set_partitions(static_cast<int32_t>(value));
      SI_INGESTCTL_ASSIGN_OR_RETURN(value, int_flag("replication_factor", 1, kMaxInt32));
      topic.set_replication_factor(static_cast<int32_t>(value));
      SI_INGESTCTL_ASSIGN_OR_RETURN(value, int_flag("min_insync_replicas", 1, kMaxInt32));
      topic.set_min_insync_replicas(static_cast<int32_t>(value));
      SI_INGESTCTL_ASSIGN_OR_RETURN(value, int_flag("max_message_bytes", 1, kMaxInt32));
      topic.set_max_message_bytes(value);
      if (has("retention")) {
        if (str("retention") == "forever") {
          topic.set_retention_ms(-1);
        } else {
          absl::Duration retention;
          SI_INGESTCTL_ASSIGN_OR_RETURN(retention,
                                        ParsePositiveDuration("retention", str("retention")));
          topic.set_retention_ms(absl::ToInt64Milliseconds(retention));
        }
      }
      bool force = false;
      SI_INGESTCTL_ASSIGN_OR_RETURN(force, flag_bool("force"));
      invocation.ensure_topics.set_force(force);
      return absl::OkStatus();
    }
    case Command::kTopicsDescribe:
      invocation.describe_topic.set_name(str("topic"));
      return absl::OkStatus();
    case Command::kLag:
      invocation.consumer_lag.set_group(str("group"));
      invocation.consumer_lag.set_topic(str("topic"));
      if (has("watch")) {
        if (str("watch").empty()) {
          invocation.watch = kDefaultWatchInterval;
        } else {
          SI_INGESTCTL_ASSIGN_OR_RETURN(invocation.watch,
                                        ParsePositiveDuration("watch", str("watch")));
        }
      }
      return absl::OkStatus();
    case Command::kDlqList: {
      v1::ListDeadLettersRequest& request = invocation.list_dead_letters;
      request.set_topic(str("topic"));
      request.set_session_id(str("session"));
      request.set_reason(str("reason"));
      int64_t limit = 0;
      SI_INGESTCTL_ASSIGN_OR_RETURN(limit, int_flag("limit", 1, 10000));
      request.set_limit(static_cast<int32_t>(limit));
      request.set_page_token(str("page_token"));
      return absl::OkStatus();
    }
    case Command::kDlqRedrive: {
      v1::RedriveSessionRequest& request = invocation.redrive_session;
      request.set_session_id(argument);
      request.set_topic(str("topic"));
      bool value = false;
      SI_INGESTCTL_ASSIGN_OR_RETURN(value, flag_bool("skip_undecodable"));
      request.set_skip_undecodable(value);
      SI_INGESTCTL_ASSIGN_OR_RETURN(value, flag_bool("dry_run"));
      request.set_dry_run(value);
      SI_INGESTCTL_ASSIGN_OR_RETURN(invocation.redrive_wait, flag_bool("wait"));
      if (has("wait_timeout")) {
        if (!invocation.redrive_wait) return UsageError("--wait_timeout needs --wait");
        SI_INGESTCTL_ASSIGN_OR_RETURN(
            invocation.redrive_wait_timeout,
            ParsePositiveDuration("wait_timeout", str("wait_timeout")));
      }
      return absl::OkStatus();
    }
    case Command::kReplay: {
      v1::ReplaySessionRequest& request = invocation.replay_session;
      request.set_session_id(argument);
      request.set_topic(str("topic"));
      const bool by_offset = has("from_offset") || has("to_offset");
      const bool by_time = has("from_time") || has("to_time");
      if (by_offset && by_time) {
        return UsageError("give an offset range (--from_offset/--to_offset) or a time range "
                          "(--from_time/--to_time), not both");
      }
      int64_t value = 0;
      SI_INGESTCTL_ASSIGN_OR_RETURN(value, int_flag("from_offset", 0, kMaxInt64));
      request.set_from_offset(value);
      SI_INGESTCTL_ASSIGN_OR_RETURN(value, int_flag("to_offset", 0, kMaxInt64));
      request.set_to_offset(value);
      if (has("from_offset") && has("to_offset") && request.to_offset() < request.from_offset()) {
        return UsageError("--to_offset is before --from_offset");
      }
      if (has("from_time")) {
        SI_INGESTCTL_ASSIGN_OR_RETURN(value, ParseUnixMillis("from_time", str("from_time")));
        request.set_from_unix_ms(value);
      }
      if (has("to_time")) {
        SI_INGESTCTL_ASSIGN_OR_RETURN(value, ParseUnixMillis("to_time", str("to_time")));
        request.set_to_unix_ms(value);
      }
      if (has("from_time") && has("to_time") && request.to_unix_ms() < request.from_unix_ms()) {
        return UsageError("--to_time is before --from_time");
      }
      bool dry_run = false;
      SI_INGESTCTL_ASSIGN_OR_RETURN(dry_run, flag_bool("dry_run"));
      request.set_dry_run(dry_run);
      return absl::OkStatus();
    }
    case Command::kOffsetsReset: {
      v1::ResetOffsetsRequest& request = invocation.reset_offsets;
      request.set_group(str("group"));
      request.set_topic(str("topic"));
      const std::string to = str("to");
      if (to.empty()) {
        return UsageError("offsets reset needs --to=earliest|latest|RFC3339-TIME");
      } else if (to == "earliest") {
        request.set_earliest(true);
      } else if (to == "latest") {
        request.set_latest(true);
      } else {
        int64_t unix_ms = 0;
        SI_INGESTCTL_ASSIGN_OR_RETURN(unix_ms, ParseUnixMillis("to", to));
        request.set_unix_ms(unix_ms);
      }
      bool dry_run = false;
      bool execute = false;
      SI_INGESTCTL_ASSIGN_OR_RETURN(dry_run, flag_bool("dry_run"));
      SI_INGESTCTL_ASSIGN_OR_RETURN(execute, flag_bool("execute"));
      if (dry_run == execute) {
        return UsageError("offsets reset needs exactly one of --dry_run (show the change) and "
                          "--execute (apply it)");
      }
      request.set_dry_run(dry_run);
      return absl::OkStatus();
    }
    case Command::kSessionsShow:
      invocation.get_session.set_session_id(argument);
      return absl::OkStatus();
    case Command::kSessionsList: {
      v1::ListSessionsRequest& request = invocation.list_sessions;
      request.set_project_id(str("project"));
      if (has("project") && request.project_id().empty()) {
        return UsageError("--project is empty: want a project id");
      }
      if (has("status")) {
        const std::string status = str("status");
        if (status != "live" && status != "completed") {
          return UsageError(absl::StrCat("--status=", status, ": want live or completed"));
        }
        request.set_status(status);
      }
      if (has("since")) {
        Since since;
        SI_INGESTCTL_ASSIGN_OR_RETURN(since, ParseSince(str("since")));
        if (since.at_unix_ms) request.set_since_unix_ms(*since.at_unix_ms);
        invocation.list_sessions_since = since.ago;
      }
      int64_t limit = 0;
      SI_INGESTCTL_ASSIGN_OR_RETURN(limit, int_flag("limit", 1, 1000));
      request.set_limit(static_cast<int32_t>(limit));
      request.set_page_token(str("page_token"));
      SI_INGESTCTL_ASSIGN_OR_RETURN(invocation.list_sessions_all, flag_bool("all"));
      return absl::OkStatus();
    }
  }
  return absl::InternalError("unhandled command");
}

// "--Name-x=v" -> {"name_x", "v"}; `has_value` says whether '=' was there.
struct RawFlag {
  std::string name;
  std::string value;
  bool has_value = false;
};

RawFlag SplitFlag(absl::string_view arg) {
  RawFlag flag;
  arg.remove_prefix(absl::StartsWith(arg, "--") ? 2 : 1);
  const size_t equals = arg.find('=');
  absl::string_view name = arg.substr(0, equals);
  if (equals != absl::string_view::npos) {
    flag.value = std::string(arg.substr(equals + 1));
    flag.has_value = true;
  }
  flag.name = absl::StrReplaceAll(name, {{"-", "_"}});
  return flag;
}

bool IsFlag(absl::string_view arg) { return arg.size() > 1 && arg[0] == '-'; }

bool IsHelp(const RawFlag& flag) { return flag.name == "help" || flag.name == "h"; }

// The help to print when --help appears, for the command words before or
// after it; nullopt when there is no --help.
absl::StatusOr<std::optional<std::string>> FindHelp(const std::vector<std::string>& args) {
  bool help = false;
  std::vector<std::string> words;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--") break;
    if (!IsFlag(args[i])) {
      words.push_back(args[i]);
      continue;
    }
    const RawFlag flag = SplitFlag(args[i]);
    if (IsHelp(flag)) help = true;
    // Skip the value of a global `--server HOST` so it is not taken for a command.
    const FlagSpec* global = FindFlag(GlobalFlags(), flag.name);
    if (global != nullptr && global->kind == Kind::kValue && !flag.has_value) ++i;
  }
  if (!help) return std::nullopt;
  if (words.empty() || words[0] == "help") return MainHelp();
  if (!IsGroup(words[0])) return UsageError(absl::StrCat("unknown command '", words[0], "'"));
  const std::vector<const CommandSpec*> specs = GroupCommands(words[0]);
  if (specs.size() == 1 && specs[0]->sub.empty()) return CommandHelp(*specs[0]);
  if (words.size() < 2) return GroupHelp(words[0]);
  for (const CommandSpec* spec : specs) {
    if (spec->sub == words[1]) return CommandHelp(*spec);
  }
  return UsageError(absl::StrCat("unknown command '", words[0], " ", words[1], "'"));
}

}  // namespace

std::string CommandName(Command command) {
  for (const CommandSpec& spec : Commands()) {
    if (spec.command == command) return spec.name();
  }
  return "?";
}

std::string MainHelp() {
  std::string help =
      "ingestctl: the operator's CLI for broker-proxy (service BrokerProxy,\n"
      "proto/ingest/v1/admin.proto): topics, consumer lag, dead letters, replay, offsets,\n"
      "sessions.\n\n"
      "Usage: ingestctl [global flags] <command> [<subcommand>] [flags] [ARG]\n\nCommands:\n";
  Table commands({{""}, {""}});
  for (const CommandSpec& spec : Commands()) {
    commands.AddRow({absl::StrCat("  ", spec.name(), spec.argument.empty() ? "" : " ",
                                  spec.argument),
                     spec.summary});
  }
  absl::StrAppend(&help, commands.Render(), "\nGlobal flags (before or after the command):\n",
                  FlagTable(GlobalFlags()),
                  "\nFlag names take '-' or '_' (--dry-run = --dry_run); values as --name=VALUE "
                  "or --name VALUE.\n"
                  "\nExit codes: 0 ok; 1 RPC or operational error (UNAVAILABLE, "
                  "UNIMPLEMENTED, ...);\n2 usage error; 3 refused by a safety rule "
                  "(FAILED_PRECONDITION: unsafe topic, group not stopped).\n"
                  "\nExamples:\n"
                  "  ingestctl --server=127.0.0.1:9110 --token_file=.local/operator.token lag\n"
                  "  ingestctl topics describe --json\n"
                  "  ingestctl sessions list --status=live\n"
                  "  ingestctl lag --help\n");
  return help;
}

absl::StatusOr<ParsedCommandLine> ParseCommandLine(const std::vector<std::string>& args,
                                                   const Environment& environment) {
  ParsedCommandLine parsed;
  {
    absl::StatusOr<std::optional<std::string>> help = FindHelp(args);
    if (!help.ok()) return help.status();
    if (help->has_value()) {
      parsed.help = std::move(**help);
      return parsed;
    }
  }
  if (args.empty()) return UsageError("missing command");

  const CommandSpec* spec = nullptr;
  std::string group;  // a group word waiting for its subcommand
  std::optional<std::string> argument;
  FlagValues flags;
  bool only_positionals = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!only_positionals && arg == "--") {
      only_positionals = true;
      continue;
    }
    if (!only_positionals && IsFlag(arg)) {
      RawFlag flag = SplitFlag(arg);
      const FlagSpec* flag_spec = FindFlag(GlobalFlags(), flag.name);
      if (flag_spec == nullptr && spec != nullptr) flag_spec = FindFlag(spec->flags, flag.name);
      if (flag_spec == nullptr) {
        return UsageError(spec == nullptr
                              ? absl::StrCat("unknown flag --", flag.name)
                              : absl::StrCat("unknown flag --", flag.name, " for '",
                                             spec->name(), "'"));
      }
      if (!flag.has_value) {
        if (flag_spec->kind == Kind::kBool) {
          flag.value = "true";
        } else if (flag_spec->kind == Kind::kValue) {
          if (i + 1 >= args.size()) {
            return UsageError(absl::StrCat("--", flag.name, " needs a value: --", flag.name,
                                           "=", flag_spec->value));
          }
          flag.value = args[++i];
        }
      } else if (flag_spec->kind == Kind::kOptionalDuration && flag.value.empty()) {
        return UsageError(absl::StrCat("--", flag.name, "= needs a value, or omit '='"));
      }
      flags[flag.name] = flag.value;
      continue;
    }
    if (spec == nullptr && group.empty()) {
      if (!IsGroup(arg)) return UsageError(absl::StrCat("unknown command '", arg, "'"));
      const std::vector<const CommandSpec*> specs = GroupCommands(arg);
      if (specs.size() == 1 && specs[0]->sub.empty()) {
        spec = specs[0];
      } else {
        group = arg;
      }
      continue;
    }
    if (spec == nullptr) {
      for (const CommandSpec* candidate : GroupCommands(group)) {
        if (candidate->sub == arg) spec = candidate;
      }
      if (spec == nullptr) {
        return UsageError(absl::StrCat("unknown command '", group, " ", arg, "' (", group,
                                       " has: ", SubcommandList(group), ")"));
      }
      continue;
    }
    if (spec->argument.empty() || argument.has_value()) {
      return UsageError(absl::StrCat("unexpected argument '", arg, "' for '", spec->name(), "'"));
    }
    argument = arg;
  }
  if (spec == nullptr) {
    if (group.empty()) return UsageError("missing command");
    return UsageError(absl::StrCat("missing subcommand: ingestctl ", group, " <",
                                   absl::StrReplaceAll(SubcommandList(group), {{", ", "|"}}),
                                   ">"));
  }
  if (!spec->argument.empty() && (!argument.has_value() || argument->empty())) {
    return UsageError(absl::StrCat("'", spec->name(), "' needs ", spec->argument));
  }

  parsed.invocation.command = spec->command;
  if (absl::Status status = BuildGlobal(flags, environment, parsed.invocation.global);
      !status.ok()) {
    return status;
  }
  if (absl::Status status = BuildRequest(*spec, flags, argument.value_or(""), parsed.invocation);
      !status.ok()) {
    return status;
  }
  return parsed;
}

}  // namespace ingest::ingestctl
