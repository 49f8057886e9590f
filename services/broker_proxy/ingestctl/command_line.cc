#include "services/broker_proxy/ingestctl/command_line.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <sstream>
#include <type_traits>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "services/common/flags/cli.h"

namespace ingest::ingestctl {
namespace {

constexpr int32_t kMaxInt32 = std::numeric_limits<int32_t>::max();
constexpr int64_t kMaxInt64 = std::numeric_limits<int64_t>::max();

absl::Status Want(absl::string_view value, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(value, ": want ", what));
}

absl::StatusOr<absl::Duration> ParsePositiveDuration(absl::string_view value) {
  absl::Duration duration;
  if (!absl::ParseDuration(value, &duration) || duration <= absl::ZeroDuration() ||
      duration == absl::InfiniteDuration()) {
    return Want(value, "a positive duration such as 500ms, 10s, 2m");
  }
  return duration;
}

absl::StatusOr<int64_t> ParseUnixMillis(absl::string_view value) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, value, &time, &error)) {
    return Want(value, "an RFC 3339 time such as 2024-05-01T12:00:00Z");
  }
  return absl::ToUnixMillis(time);
}

// lag --watch is a flag, so that `--watch 5s` never takes 5s as its
// interval (--watch=5s does); CLI11 gives a bare flag as "true".
absl::StatusOr<absl::Duration> ParseWatch(absl::string_view value) {
  return value == "true" ? kDefaultWatchInterval : ParsePositiveDuration(value);
}

// topics ensure --retention: retention.ms of a positive duration, or -1 for `forever`.
absl::StatusOr<int64_t> ParseRetentionMillis(absl::string_view value) {
  if (value == "forever") return -1;
  absl::StatusOr<absl::Duration> retention = ParsePositiveDuration(value);
  if (!retention.ok()) return Want(value, "a positive duration such as 168h, or forever");
  return absl::ToInt64Milliseconds(*retention);
}

// offsets reset --to: earliest, latest or an RFC 3339 time, as the request's `to`.
absl::StatusOr<v1::ResetOffsetsRequest> ParseResetTarget(absl::string_view value) {
  v1::ResetOffsetsRequest target;
  if (value == "earliest") {
    target.set_earliest(true);
  } else if (value == "latest") {
    target.set_latest(true);
  } else if (absl::StatusOr<int64_t> unix_ms = ParseUnixMillis(value); unix_ms.ok()) {
    target.set_unix_ms(*unix_ms);
  } else {
    return Want(value, "earliest, latest or an RFC 3339 time such as 2024-05-01T12:00:00Z");
  }
  return target;
}

// sessions list --since: an RFC 3339 time (`at_unix_ms`), or a positive
// duration back from now (`ago`; also whole days as "7d").
struct Since {
  std::optional<int64_t> at_unix_ms;
  std::optional<absl::Duration> ago;
};

absl::StatusOr<Since> ParseSince(absl::string_view value) {
  absl::Time time;
  std::string error;
  if (absl::ParseTime(absl::RFC3339_full, value, &time, &error)) {
    if (time < absl::UnixEpoch()) {
      return absl::InvalidArgumentError(absl::StrCat(value, ": before 1970"));
    }
    return Since{absl::ToUnixMillis(time), std::nullopt};
  }
  int64_t days = 0;
  if (absl::string_view number = value; absl::ConsumeSuffix(&number, "d") &&
                                        absl::SimpleAtoi(number, &days) && days > 0 &&
                                        days <= 100000) {
    return Since{std::nullopt, absl::Hours(24) * days};
  }
  absl::Duration ago;
  if (absl::ParseDuration(value, &ago) && ago > absl::ZeroDuration() &&
      ago != absl::InfiniteDuration()) {
    return Since{std::nullopt, ago};
  }
  return Want(value,
              "a duration back from now (30m, 24h, 7d) or an RFC 3339 time such as "
              "2024-05-01T12:00:00Z");
}

// The deadline of `command` without --timeout.
absl::Duration DefaultTimeout(Command command) {
  switch (command) {
    case Command::kSessionsDelete:
      return kSessionsDeleteTimeout;
    case Command::kRetentionEnforce:
      return kRetentionEnforceTimeout;
    default:
      return kDefaultTimeout;
  }
}

// Commands under `app`, not counting its option groups.
std::vector<const CLI::App*> Commands(const CLI::App* app) {
  return app->get_subcommands([](const CLI::App* sub) { return !sub->get_name().empty(); });
}

// Help that names every command in full ("dlq redrive SESSION_ID") where
// CLI11's lists only the next word, so `ingestctl --help` shows them all.
class Formatter final : public CLI::Formatter {
 public:
  std::string make_subcommand(const CLI::App* sub) const override {
    std::vector<const CLI::App*> commands = Commands(sub);
    if (commands.empty()) commands = {sub};
    std::stringstream out;
    for (const CLI::App* command : commands) {
      std::vector<std::string> words;
      for (const CLI::App* app = command; app->get_parent() != nullptr; app = app->get_parent()) {
        words.insert(words.begin(), app->get_name());
      }
      for (const CLI::Option* arg :
           command->get_options([](const CLI::Option* o) { return o->get_positional(); })) {
        words.push_back(arg->get_name());
      }
      CLI::detail::format_help(out, absl::StrJoin(words, " "), command->get_description(),
                               get_column_width());
    }
    return out.str();
  }
};

constexpr char kGlobalFlagsNote[] =
    "Global flags: --server, --token, --token_file, --ca_file, --cert_file, --key_file,\n"
    "--timeout, --json (see ingestctl --help).";
constexpr char kTopicHelp[] = "Topic (server default: ingest.tasks).";
constexpr char kIngestTopicHelp[] = "Ingest topic (server default: ingest.tasks).";
constexpr char kGroupHelp[] = "Consumer group (server default: ingest-workers).";
constexpr char kPageTokenHelp[] = "Resume where a previous listing stopped.";

// A group of commands ("topics"); it needs one of them.
CLI::App* AddGroup(CLI::App& app, const std::string& name, const std::string& summary) {
  CLI::App* group = app.add_subcommand(name, summary)->require_subcommand(1);
  group->footer(
      absl::StrCat("Run `ingestctl ", name, " <command> --help` for its flags and an example."));
  return group;
}

// A command: `summary` is its line in the lists; `details` (wrapped), the
// RPC it calls and the examples make its help's footer. Choosing it sets
// `invocation.command`.
CLI::App* AddCommand(CLI::App* parent, const std::string& name, Command command,
                     Invocation& invocation, const std::string& summary, const std::string& details,
                     const std::string& rpc, const std::vector<std::string>& examples) {
  CLI::App* app = parent->add_subcommand(name, summary);
  app->footer(absl::StrCat(details, "\nCalls BrokerProxy.", rpc, ".\n\n", kGlobalFlagsNote,
                           "\n\nExample", examples.size() > 1 ? "s" : "", ":\n  ",
                           absl::StrJoin(examples, "\n  ")));
  app->parse_complete_callback([&invocation, command] { invocation.command = command; });
  return app;
}

// `--flag VALUE` stored in `*field` (a request's string field).
CLI::Option* AddText(CLI::App* app, const std::string& flag, std::string* field,
                     const std::string& type, const std::string& help) {
  return app->add_option(flag, *field, help)->type_name(type);
}

// The required SESSION_ID argument.
void AddSessionId(CLI::App* app, std::string* field) {
  app->add_option("SESSION_ID", *field, "The session.")->required()->check(cli::NonEmpty());
}

// `--flag N` with N in [min, max], handed to `set` (a request's int field).
template <typename Int>
CLI::Option* AddInt(CLI::App* app, const std::string& flag, std::function<void(Int)> set,
                    const std::string& type, const std::string& help, Int min, Int max) {
  CLI::Validator range = CLI::Range(min, max);
  if (max == std::numeric_limits<Int>::max()) range.description("");  // no "[1 - 2147483647]"
  return app->add_option_function<Int>(flag, std::move(set), help)->type_name(type)->check(range);
}

// --server, --token, --token_file, --ca_file, --cert_file, --key_file,
// --timeout, --json; the environment fills in what no flag gave (a flag
// wins). A certificate without its key (or a key alone), or without a CA,
// is a usage error.
void AddGlobalFlags(CLI::App& app, GlobalOptions& global, const Environment& environment) {
  CLI::Option* server = AddText(&app, "--server", &global.server, "HOST:PORT",
                                "broker-proxy's gRPC address (env INGESTCTL_SERVER; default "
                                "127.0.0.1:9110).")
                            ->check(cli::NonEmpty());
  CLI::Option* token = AddText(&app, "--token", &global.token, "TOKEN",
                               "Operator token, sent as `authorization: Bearer TOKEN` (env "
                               "INGESTCTL_TOKEN).");
  CLI::Option* token_file =
      AddText(&app, "--token_file", &global.token_file, "PATH",
              "Read the token from this file instead (env INGESTCTL_TOKEN_FILE).")
          ->excludes(token);
  CLI::Option* ca_file = AddText(&app, "--ca_file", &global.ca_file, "PATH",
                                 "TLS: the CA bundle (PEM) broker-proxy's certificate must chain "
                                 "to (env INGESTCTL_CA_FILE). Without it: plaintext.");
  CLI::Option* cert_file = AddText(&app, "--cert_file", &global.cert_file, "PATH",
                                   "Mutual TLS: this client's certificate (PEM), with --key_file "
                                   "(env INGESTCTL_CERT_FILE).");
  CLI::Option* key_file = AddText(&app, "--key_file", &global.key_file, "PATH",
                                  "Mutual TLS: the key of --cert_file (env INGESTCTL_KEY_FILE).");
  app.add_option("--timeout",
                 "Deadline of each call, e.g. 10s, 1m (default 10s; sessions delete 2m, retention "
                 "enforce 10m).")
      ->type_name("DURATION")
      ->check(
          cli::Parsed(ParsePositiveDuration, [&global](absl::Duration d) { global.timeout = d; }));
  app.add_flag("--json", global.json,
               "Print each response as one line of JSON with admin.proto's field names, for "
               "scripts.");
  app.final_callback([&global, &environment, server, token, token_file, ca_file, cert_file,
                      key_file] {
    auto env = [&environment](const char* name) {
      auto it = environment.find(name);
      return it == environment.end() ? std::string() : it->second;
    };
    if (server->count() == 0 && !env("INGESTCTL_SERVER").empty()) {
      global.server = env("INGESTCTL_SERVER");
    }
    if (token->count() == 0 && token_file->count() == 0) {
      global.token = env("INGESTCTL_TOKEN");
      if (global.token.empty()) global.token_file = env("INGESTCTL_TOKEN_FILE");
    }
    if (ca_file->count() == 0) global.ca_file = env("INGESTCTL_CA_FILE");
    if (cert_file->count() == 0) global.cert_file = env("INGESTCTL_CERT_FILE");
    if (key_file->count() == 0) global.key_file = env("INGESTCTL_KEY_FILE");
    if (global.cert_file.empty() != global.key_file.empty()) {
      throw CLI::ValidationError(absl::StrCat(
          global.cert_file.empty() ? "--key_file without --cert_file"
                                   : "--cert_file without --key_file",
          ": mutual TLS needs both, the certificate and its key (env INGESTCTL_CERT_FILE, "
          "INGESTCTL_KEY_FILE)"));
    }
    if (!global.cert_file.empty() && global.ca_file.empty()) {
      throw CLI::ValidationError(
          "--cert_file without --ca_file: a client certificate is sent over TLS only; give "
          "--ca_file, the CA bundle broker-proxy's certificate chains to (env "
          "INGESTCTL_CA_FILE)");
    }
  });
}

void AddTopics(CLI::App& app, Invocation& invocation) {
  CLI::App* topics =
      AddGroup(app, "topics", "Create or check the ingest topics; describe a topic.");
  v1::TopicSpec& spec = *invocation.ensure_topics.mutable_topic();
  CLI::App* ensure = AddCommand(
      topics, "ensure", Command::kTopicsEnsure, invocation,
      "Create the ingest topic and its dead-letter topic, or check they are safe.",
      "Creates <topic> and <topic>.dlq with cleanup.policy=delete, or checks that they exist\n"
      "with safe settings. Never alters an existing topic. Unsafe settings, requested or\n"
      "found, are refused (exit 3) with each rule broken and its fix. Unset flags take\n"
      "broker-proxy's defaults.",
      "EnsureTopics",
      {"ingestctl topics ensure --partitions=12 --replication_factor=3 --min_insync_replicas=2"});
  AddText(ensure, "--topic", spec.mutable_name(), "NAME", kIngestTopicHelp);
  AddInt<int32_t>(
      ensure, "--partitions", [&spec](int32_t n) { spec.set_partitions(n); }, "N",
      "Partitions of a topic to create.", 1, kMaxInt32);
  AddInt<int32_t>(
      ensure, "--replication_factor", [&spec](int32_t n) { spec.set_replication_factor(n); }, "N",
      "Replication factor (3 in production).", 1, kMaxInt32);
  AddInt<int32_t>(
      ensure, "--min_insync_replicas", [&spec](int32_t n) { spec.set_min_insync_replicas(n); }, "N",
      "min.insync.replicas (2 in production).", 1, kMaxInt32);
  ensure->add_option("--retention", "retention.ms as a duration (e.g. 168h), or `forever`.")
      ->type_name("DURATION")
      ->check(
          cli::Parsed(ParseRetentionMillis, [&spec](int64_t ms) { spec.set_retention_ms(ms); }));
  AddInt<int32_t>(
      ensure, "--max_message_bytes", [&spec](int32_t n) { spec.set_max_message_bytes(n); }, "BYTES",
      "max.message.bytes.", 1, kMaxInt32);
  ensure->add_flag_callback(
      "--force", [&invocation] { invocation.ensure_topics.set_force(true); },
      "Accept min.insync.replicas=1 with replication factor >= 3; nothing else can be forced.");

  CLI::App* describe = AddCommand(
      topics, "describe", Command::kTopicsDescribe, invocation,
      "Partitions, configuration, size and unsafe settings of a topic.",
      "Prints each partition's leader, replicas, in-sync replicas, watermarks and size, the\n"
      "topic's effective configuration, and an UNSAFE section with every broken safety rule\n"
      "and how to fix it.",
      "DescribeTopic",
      {"ingestctl topics describe", "ingestctl topics describe --topic=ingest.tasks.dlq"});
  AddText(describe, "--topic", invocation.describe_topic.mutable_name(), "NAME", kTopicHelp);
}

void AddLag(CLI::App& app, Invocation& invocation) {
  CLI::App* lag = AddCommand(
      &app, "lag", Command::kLag, invocation, "Consumer-group lag per partition.",
      "Per partition: high watermark, the database's next offset (where the worker resumes),\n"
      "Kafka's committed offset, the lag, the age of the oldest unprocessed record and the\n"
      "owning member; then the total and the group's state.",
      "GetConsumerLag",
      {"ingestctl lag", "ingestctl lag --watch=5s", "ingestctl lag --json | jq .total_lag"});
  AddText(lag, "--group", invocation.consumer_lag.mutable_group(), "GROUP", kGroupHelp);
  AddText(lag, "--topic", invocation.consumer_lag.mutable_topic(), "NAME", kTopicHelp);
  lag->add_flag("--watch")
      ->description("Redraw every INTERVAL (default 2s) until Ctrl-C: --watch or --watch=5s.")
      ->option_text("[=INTERVAL]")
      ->check(cli::Parsed(ParseWatch, [&invocation](absl::Duration d) { invocation.watch = d; }));
}

void AddDlq(CLI::App& app, Invocation& invocation) {
  CLI::App* dlq = AddGroup(app, "dlq", "Browse dead letters; redrive a quarantined session.");
  v1::ListDeadLettersRequest& letters = invocation.list_dead_letters;
  CLI::App* list = AddCommand(
      dlq, "list", Command::kDlqList, invocation, "Browse the dead-letter topic.",
      "One line per dead letter: where it sits in the DLQ, its session and payload id, the\n"
      "reason, where it came from in the ingest topic, when, and its size.",
      "ListDeadLetters", {"ingestctl dlq list --session=3f2a9c --limit=20"});
  AddText(list, "--topic", letters.mutable_topic(), "NAME",
          "Dead-letter topic (server default: ingest.tasks.dlq).");
  AddText(list, "--session", letters.mutable_session_id(), "SESSION_ID",
          "Only this session's letters.");
  AddText(list, "--reason", letters.mutable_reason(), "REASON",
          "Only this reason (undecodable, invalid_task, quarantined_session, ...).");
  AddInt<int32_t>(
      list, "--limit", [&letters](int32_t n) { letters.set_limit(n); }, "N",
      "At most N letters (server default 100).", 1, 10000);
  AddText(list, "--page_token", letters.mutable_page_token(), "TOKEN", kPageTokenHelp);

  v1::RedriveSessionRequest& redrive = invocation.redrive_session;
  CLI::App* command = AddCommand(
      dlq, "redrive", Command::kDlqRedrive, invocation,
      "Produce a quarantined session's dead letters back, in order, and lift its quarantine.",
      "Refused (exit 3) while a letter of the session is undecodable, unless\n"
      "--skip_undecodable. The worker lifts the quarantine when it stores the last record;\n"
      "--wait waits for that. Large sessions may need a longer --timeout.",
      "RedriveSession",
      {"ingestctl dlq redrive 3f2a9c --dry_run", "ingestctl dlq redrive 3f2a9c --wait"});
  AddSessionId(command, redrive.mutable_session_id());
  AddText(command, "--topic", redrive.mutable_topic(), "NAME", kIngestTopicHelp);
  command->add_flag_callback(
      "--skip_undecodable", [&redrive] { redrive.set_skip_undecodable(true); },
      "Leave undecodable letters out.");
  command->add_flag_callback(
      "--dry_run", [&redrive] { redrive.set_dry_run(true); },
      "Report what would be redriven; change nothing.");
  CLI::Option* wait = command->add_flag(
      "--wait", invocation.redrive_wait,
      "Then wait until the worker lifts the quarantine (exit 0) or the redrive fails (exit 1), "
      "reading the session every 500ms.");
  command->add_option("--wait_timeout", "How long --wait waits (default 120s); past it, exit 1.")
      ->type_name("DURATION")
      ->needs(wait)
      ->check(cli::Parsed(ParsePositiveDuration, [&invocation](absl::Duration d) {
        invocation.redrive_wait_timeout = d;
      }));
}

void AddReplay(CLI::App& app, Invocation& invocation) {
  v1::ReplaySessionRequest& request = invocation.replay_session;
  CLI::App* replay = AddCommand(
      &app, "replay", Command::kReplay, invocation,
      "Re-read a session's records from the ingest topic and process them again.",
      "By offset range (in the session's partition) or time range; neither means the whole\n"
      "retained topic. Payload rows are keyed by (session, payload_id, chunk), other rows by\n"
      "where each record first entered the topic, so a replay never duplicates.",
      "ReplaySession", {"ingestctl replay 3f2a9c --from_time=2024-05-01T12:00:00Z --dry_run"});
  AddSessionId(replay, request.mutable_session_id());
  AddText(replay, "--topic", request.mutable_topic(), "NAME", kIngestTopicHelp);
  CLI::Option* from_offset = AddInt<int64_t>(
      replay, "--from_offset", [&request](int64_t n) { request.set_from_offset(n); }, "OFFSET",
      "First offset to re-read.", 0, kMaxInt64);
  CLI::Option* to_offset = AddInt<int64_t>(
      replay, "--to_offset", [&request](int64_t n) { request.set_to_offset(n); }, "OFFSET",
      "Last offset to re-read.", 0, kMaxInt64);
  CLI::Option* from_time =
      replay->add_option("--from_time", "Re-read records from this time.")
          ->type_name("RFC3339")
          ->check(cli::Parsed(ParseUnixMillis,
                              [&request](int64_t ms) { request.set_from_unix_ms(ms); }))
          ->excludes(from_offset)
          ->excludes(to_offset);
  CLI::Option* to_time =
      replay->add_option("--to_time", "Re-read records up to this time.")
          ->type_name("RFC3339")
          ->check(
              cli::Parsed(ParseUnixMillis, [&request](int64_t ms) { request.set_to_unix_ms(ms); }))
          ->excludes(from_offset)
          ->excludes(to_offset);
  replay->add_flag_callback(
      "--dry_run", [&request] { request.set_dry_run(true); },
      "Count what would be replayed; produce nothing.");
  replay->final_callback([&request, from_offset, to_offset, from_time, to_time] {
    if (from_offset->count() > 0 && to_offset->count() > 0 &&
        request.to_offset() < request.from_offset()) {
      throw CLI::ValidationError("--to_offset", "is before --from_offset");
    }
    if (from_time->count() > 0 && to_time->count() > 0 &&
        request.to_unix_ms() < request.from_unix_ms()) {
      throw CLI::ValidationError("--to_time", "is before --from_time");
    }
  });
}

void AddOffsets(CLI::App& app, Invocation& invocation) {
  CLI::App* offsets = AddGroup(app, "offsets", "Move a stopped consumer group's offsets.");
  v1::ResetOffsetsRequest& request = invocation.reset_offsets;
  CLI::App* reset = AddCommand(
      offsets, "reset", Command::kOffsetsReset, invocation,
      "Move a stopped consumer group's offsets, in Kafka and in the worker's database.",
      "Like kafka-consumer-groups: --dry_run shows the change per partition, --execute\n"
      "applies it; exactly one of them is required. Refused (exit 3) while the group has\n"
      "members: scale the workers to zero first.",
      "ResetOffsets",
      {"ingestctl offsets reset --to=earliest --dry-run",
       "ingestctl offsets reset --to=2024-05-01T12:00:00Z --execute"});
  AddText(reset, "--group", request.mutable_group(), "GROUP", kGroupHelp);
  AddText(reset, "--topic", request.mutable_topic(), "NAME", kTopicHelp);
  reset->add_option("--to", "earliest, latest, or an RFC 3339 time.")
      ->type_name("WHERE")
      ->required()
      ->check(cli::Parsed(ParseResetTarget, [&request](v1::ResetOffsetsRequest target) {
        request.MergeFrom(target);
      }));
  CLI::Option_group* mode =
      reset->add_option_group("Mode", "--dry_run (show the change) or --execute (apply it)");
  mode->add_flag_callback(
      "--dry_run", [&request] { request.set_dry_run(true); },
      "Show what would change; change nothing.");
  mode->add_flag("--execute")->description("Apply the change.");
  mode->require_option(1);
}

void AddSessions(CLI::App& app, Invocation& invocation) {
  CLI::App* sessions =
      AddGroup(app, "sessions", "Show one stored session, list them, or erase some for good.");
  CLI::App* show = AddCommand(
      sessions, "show", Command::kSessionsShow, invocation,
      "What the database holds of one session, and what the worker made of it.",
      "Status, payloads and the highest payload id, gaps in the payload ids, stored bytes,\n"
      "quarantine; then the worker's lifecycle (live or completed, when it completed, how often\n"
      "it was reopened) and its summary: length and active time, events by type, clicks, rage\n"
      "clicks, errors, console errors and warnings, resources, landing and exit page, the\n"
      "pages visited in order (the first 1000), unparsed payloads. A session stored before\n"
      "summaries has none.",
      "GetSession",
      {"ingestctl sessions show 3f2a9c", "ingestctl sessions show 3f2a9c --json | jq .summary"});
  AddSessionId(show, invocation.get_session.mutable_session_id());

  v1::ListSessionsRequest& request = invocation.list_sessions;
  CLI::App* list = AddCommand(
      sessions, "list", Command::kSessionsList, invocation,
      "The stored sessions, newest first, with their lifecycle and summary.",
      "One line per session: project, lifecycle, created, last activity, payloads, length,\n"
      "active time, clicks, rage clicks, errors, pages visited, landing and exit page. Ordered\n"
      "by creation time, newest first. A page that is not the last ends with the command that\n"
      "lists the next one; --all follows every page.",
      "ListSessions",
      {"ingestctl sessions list --project=demo-project --status=live",
       "ingestctl sessions list --since=24h --limit=200 --all",
       "ingestctl sessions list --status=completed --json | jq -r '.sessions[].session_id'"});
  AddText(list, "--project", request.mutable_project_id(), "PROJECT_ID",
          "Only this project's sessions.")
      ->check(cli::NonEmpty());
  AddText(list, "--status", request.mutable_status(), "STATUS",
          "Only live or only completed sessions.")
      ->check(CLI::IsMember({"live", "completed"}));
  list->add_option("--since",
                   "Only sessions created at or after WHEN: a duration back from now (30m, 24h, "
                   "7d) or an RFC 3339 time.")
      ->type_name("WHEN")
      ->check(cli::Parsed(ParseSince, [&invocation](Since since) {
        if (since.at_unix_ms) invocation.list_sessions.set_since_unix_ms(*since.at_unix_ms);
        invocation.list_sessions_since = since.ago;
      }));
  AddInt<int32_t>(
      list, "--limit", [&request](int32_t n) { request.set_limit(n); }, "N",
      "Sessions per page (server default 50).", 1, 1000);
  AddText(list, "--page_token", request.mutable_page_token(), "TOKEN", kPageTokenHelp);
  list->add_flag("--all", invocation.list_sessions_all,
                 "Follow every page (with --json: one line per page).");

  v1::EraseSessionsRequest& erase = invocation.erase_sessions;
  CLI::App* remove = AddCommand(
      sessions, "delete", Command::kSessionsDelete, invocation,
      "Erase sessions for good: by id, or every session of a project's user.",
      "Give session ids, or --project and --user (the user identifier of the project's\n"
      "identify calls). Every row of those sessions goes (payloads, summaries, pages,\n"
      "feedback, errors, metrics, quarantine) in one transaction; a tombstone per\n"
      "session makes the worker drop a record of it that arrives later (a late payload,\n"
      "a replay, a DLQ redrive); an audit row says who (the operator token's name),\n"
      "when, what and how much (a user only as its SHA-256). Kafka keeps the records\n"
      "until the topic's retention removes them (`ingestctl sessions show` says until\n"
      "when). --dry-run lists each session with its rows and bytes and the rows per\n"
      "table, and changes nothing. Waits up to --timeout (default 2m for this command).",
      "EraseSessions",
      {"ingestctl sessions delete demo.7d1c.web demo.9a2f.web --dry-run",
       "ingestctl sessions delete --project=demo --user=ada@example.com"});
  CLI::Option* ids = remove
                         ->add_option_function<std::vector<std::string>>(
                             "SESSION_ID",
                             [&erase](const std::vector<std::string>& values) {
                               for (const std::string& id : values) erase.add_session_ids(id);
                             },
                             "The sessions to erase (at most 1000).")
                         ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
                         ->check(cli::NonEmpty());
  CLI::Option* project = AddText(remove, "--project", erase.mutable_project_id(), "PROJECT_ID",
                                 "Erase this project's sessions of --user.")
                             ->check(cli::NonEmpty())
                             ->excludes(ids);
  CLI::Option* user = AddText(remove, "--user", erase.mutable_user_identifier(), "IDENTIFIER",
                              "The user identifier the project's identify calls sent.")
                          ->check(cli::NonEmpty())
                          ->excludes(ids);
  project->needs(user);
  user->needs(project);
  remove->add_flag_callback(
      "--dry_run", [&erase] { erase.set_dry_run(true); },
      "List what would be erased; change nothing.");
  remove->final_callback([ids, project] {
    if (ids->count() == 0 && project->count() == 0) {
      throw CLI::ValidationError(
          "name the sessions: SESSION_ID... or --project=PROJECT_ID --user=IDENTIFIER");
    }
  });
}

void AddRetention(CLI::App& app, Invocation& invocation) {
  CLI::App* retention =
      AddGroup(app, "retention", "Enforce retention: remove the data whose day has passed.");
  v1::EnforceRetentionRequest& request = invocation.enforce_retention;
  CLI::App* enforce = AddCommand(
      retention, "enforce", Command::kRetentionEnforce, invocation,
      "Drop the day partitions whose day has passed; delete what else expired.",
      "Creates the day partitions of the coming days, drops those whose day has passed (each\n"
      "waiting at most broker-proxy's --retention_lock_timeout for its lock, so ingest never\n"
      "waits longer; retried with backoff), deletes in small batches the rest of what expired\n"
      "(sessions whose day passed, and those stored before retention once older than\n"
      "--legacy_retention_days), and records the run (retention_runs). Safe beside ingest and\n"
      "to run again; one run at a time per broker-proxy (another is ABORTED, exit 1).\n"
      "--dry-run reports what would go and changes nothing. Waits up to --timeout (default\n"
      "10m for this command); a run the client stopped waiting for finishes anyway.",
      "EnforceRetention",
      {"ingestctl retention enforce --dry-run", "ingestctl retention enforce --json"});
  enforce->add_flag_callback(
      "--dry_run", [&request] { request.set_dry_run(true); },
      "Report what would be dropped and deleted; change nothing.");
  enforce->add_option_function<std::string>(
      "--as_of", [&request](const std::string& day) { request.set_as_of(day); },
      "YYYY-MM-DD: enforce as if today (UTC) were this day (test and demo stacks only: "
      "broker-proxy refuses it unless started with --allow_retention_as_of).");
}

// ingestctl's command tree; its callbacks fill `invocation` as it parses.
std::unique_ptr<CLI::App> BuildApp(Invocation& invocation, const Environment& environment) {
  auto app = std::make_unique<CLI::App>(
      "ingestctl: the operator's CLI for broker-proxy (service BrokerProxy,\n"
      "proto/ingest/v1/admin.proto): topics, consumer lag, dead letters, replay, offsets,\n"
      "sessions, erasure, retention.",
      "ingestctl");
  app->formatter(std::make_shared<Formatter>());
  app->get_formatter()->column_width(34);
  app->fallthrough();  // global flags after the command too; commands inherit it
  // A flag given twice takes its last value (`./dev ingestctl --server=...`
  // adds its own); commands inherit the option defaults.
  app->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app->require_subcommand(1);
  app->set_help_flag("-h,--help", "Print help; ingestctl <command> --help for a command.");
  app->footer(
      "Global flags go before or after the command; flag names take '-' or '_'\n"
      "(--dry-run = --dry_run); values as --name=VALUE or --name VALUE.\n\n"
      "Exit codes: 0 ok; 1 RPC or operational error (UNAVAILABLE, UNIMPLEMENTED, ...);\n"
      "2 usage error; 3 refused by a safety rule (FAILED_PRECONDITION: unsafe topic,\n"
      "group not stopped).\n\n"
      "Examples:\n"
      "  ingestctl --server=127.0.0.1:9110 --token_file=.local/operator.token lag\n"
      "  ingestctl --ca_file=ca.crt --cert_file=client.crt --key_file=client.key lag\n"
      "  ingestctl topics describe --json\n"
      "  ingestctl sessions list --status=live\n"
      "  ingestctl retention enforce --dry-run\n"
      "  ingestctl lag --help");
  AddGlobalFlags(*app, invocation.global, environment);
  AddTopics(*app, invocation);
  AddLag(*app, invocation);
  AddDlq(*app, invocation);
  AddReplay(*app, invocation);
  AddOffsets(*app, invocation);
  AddSessions(*app, invocation);
  AddRetention(*app, invocation);
  return app;
}

// `args` with '-' in flag names made '_' (--dry-run = --dry_run), up to a
// `--`, as cli::ForCli11 passes them to CLI11.
std::vector<std::string> Normalize(const std::vector<std::string>& args) {
  std::vector<std::string> underscored;
  bool flags = true;
  for (std::string arg : args) {
    if (arg == "--") flags = false;
    if (flags && arg.starts_with("--")) {
      const size_t name_end = std::min(arg.find('='), arg.size());
      std::replace(arg.begin() + 2, arg.begin() + static_cast<ptrdiff_t>(name_end), '-', '_');
    }
    underscored.push_back(std::move(arg));
  }
  return cli::ForCli11(underscored);
}

}  // namespace

std::string CommandName(Command command) {
  static constexpr std::pair<Command, const char*> kNames[] = {
      {Command::kTopicsEnsure, "topics ensure"},
      {Command::kTopicsDescribe, "topics describe"},
      {Command::kLag, "lag"},
      {Command::kDlqList, "dlq list"},
      {Command::kDlqRedrive, "dlq redrive"},
      {Command::kReplay, "replay"},
      {Command::kOffsetsReset, "offsets reset"},
      {Command::kSessionsShow, "sessions show"},
      {Command::kSessionsList, "sessions list"},
      {Command::kSessionsDelete, "sessions delete"},
      {Command::kRetentionEnforce, "retention enforce"},
  };
  for (const auto& [known, name] : kNames) {
    if (known == command) return name;
  }
  return "?";
}

absl::StatusOr<ParsedCommandLine> ParseCommandLine(const std::vector<std::string>& args,
                                                   const Environment& environment) {
  ParsedCommandLine parsed;
  std::unique_ptr<CLI::App> app = BuildApp(parsed.invocation, environment);
  try {
    app->parse(Normalize(args));
    if (app->get_option("--timeout")->count() == 0) {
      parsed.invocation.global.timeout = DefaultTimeout(parsed.invocation.command);
    }
    return parsed;
  } catch (const CLI::ParseError& error) {
    // The command given (the deepest one CLI11 recognized) and the first
    // word that named none, which CLI11 leaves over.
    std::vector<std::string> path;
    const CLI::App* command = app.get();
    while (!command->get_subcommands().empty()) {
      command = command->get_subcommands().front();
      path.push_back(command->get_name());
    }
    const bool help = error.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success);
    for (const std::string& word : app->remaining(true)) {
      if (word.starts_with("-") || Commands(command).empty()) continue;
      if (help && path.empty() && word == "help") break;  // `ingestctl help --help`
      path.push_back(word);
      return absl::InvalidArgumentError(
          absl::StrCat("unknown command '", absl::StrJoin(path, " "), "'"));
    }
    if (help) {
      parsed.help = app->help();
      return parsed;
    }
    return absl::InvalidArgumentError(
        absl::StrCat(absl::StrJoin(path, " "), path.empty() ? "" : ": ", error.what()));
  }
}

}  // namespace ingest::ingestctl
