// ingestctl's command line (services/broker_proxy/ingestctl/command_line.h):
// arguments typed or scripted by an operator, parsed by CLI11. The first
// byte sets which of INGESTCTL_SERVER, INGESTCTL_TOKEN and
// INGESTCTL_TOKEN_FILE are in the environment (bits 0-2); the rest is the
// argument words, separated by NUL bytes. Only ParseCommandLine runs: the
// pure function from arguments to help, a usage error or an Invocation; no
// token file is read, no client is made, nothing is called.
//
// Checks: parsing never crashes, throws or exits (CLI11 reports help and
// errors as exceptions, which ParseCommandLine must catch); an error is a
// usage error (INVALID_ARGUMENT); help is text; an Invocation names a
// command and has what the command line promises: a server, at most one of
// token and token file, a positive timeout, the session id of the commands
// that need one (sessions delete: ids or a project and a user, never both
// or neither), values within the flags' ranges (limits, offsets,
// statuses, --since, --watch, --wait_timeout), a target for offsets reset;
// `--NAME=` with nothing after the '=' is an empty value, as the two words
// `--NAME` `` are (command_line.h: `--name=value` or `--name value`), and
// never takes the next word as the value (CLI11 2.1.2 does; cli.cc's
// cli::Parse works around it).

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/broker_proxy/ingestctl/command_line.h"

namespace ingest::ingestctl {
namespace {

constexpr size_t kMaxWords = 64;

bool parsing = false;

void Require(bool condition) {
  if (!condition) std::abort();
}

bool Positive(absl::Duration duration) {
  return duration > absl::ZeroDuration() && duration != absl::InfiniteDuration();
}

void CheckInvocation(const Invocation& invocation) {
  Require(CommandName(invocation.command) != "?");
  const GlobalOptions& global = invocation.global;
  Require(!global.server.empty());
  Require(global.token.empty() || global.token_file.empty());
  Require(Positive(global.timeout));
  switch (invocation.command) {
    case Command::kTopicsEnsure: {
      const v1::TopicSpec& topic = invocation.ensure_topics.topic();
      Require(topic.partitions() >= 0 && topic.replication_factor() >= 0 &&
              topic.min_insync_replicas() >= 0 && topic.max_message_bytes() >= 0);
      Require(topic.retention_ms() >= -1);
      break;
    }
    case Command::kLag:
      if (invocation.watch.has_value()) Require(Positive(*invocation.watch));
      break;
    case Command::kDlqList:
      Require(invocation.list_dead_letters.limit() >= 0 &&
              invocation.list_dead_letters.limit() <= 10000);
      break;
    case Command::kDlqRedrive:
      Require(!invocation.redrive_session.session_id().empty());
      Require(Positive(invocation.redrive_wait_timeout));
      break;
    case Command::kReplay: {
      const v1::ReplaySessionRequest& replay = invocation.replay_session;
      Require(!replay.session_id().empty());
      Require(replay.from_offset() >= 0 && replay.to_offset() >= 0);
      break;
    }
    case Command::kOffsetsReset:
      Require(invocation.reset_offsets.to_case() != v1::ResetOffsetsRequest::TO_NOT_SET);
      break;
    case Command::kSessionsShow:
      Require(!invocation.get_session.session_id().empty());
      break;
    case Command::kSessionsList: {
      const v1::ListSessionsRequest& list = invocation.list_sessions;
      Require(list.limit() >= 0 && list.limit() <= 1000);
      Require(list.status().empty() || list.status() == "live" || list.status() == "completed");
      Require(list.since_unix_ms() >= 0);
      if (invocation.list_sessions_since.has_value()) {
        Require(Positive(*invocation.list_sessions_since));
      }
      break;
    }
    case Command::kSessionsDelete: {
      // Session ids (none empty), or a project and a user, never both.
      const v1::EraseSessionsRequest& erase = invocation.erase_sessions;
      const bool by_user = !erase.project_id().empty() && !erase.user_identifier().empty();
      Require(by_user != (erase.session_ids_size() > 0));
      Require(by_user || (erase.project_id().empty() && erase.user_identifier().empty()));
      for (const std::string& id : erase.session_ids()) Require(!id.empty());
      break;
    }
    case Command::kTopicsDescribe:
    case Command::kRetentionEnforce:
      break;
  }
}

// Flags that take a value, as Normalize spells them ('_' for '-').
bool TakesValue(absl::string_view name) {
  static constexpr absl::string_view kNames[] = {"server",
                                                 "token",
                                                 "token_file",
                                                 "timeout",
                                                 "topic",
                                                 "partitions",
                                                 "replication_factor",
                                                 "min_insync_replicas",
                                                 "retention",
                                                 "max_message_bytes",
                                                 "group",
                                                 "session",
                                                 "reason",
                                                 "limit",
                                                 "page_token",
                                                 "wait_timeout",
                                                 "from_offset",
                                                 "to_offset",
                                                 "from_time",
                                                 "to_time",
                                                 "to",
                                                 "project",
                                                 "user",
                                                 "status",
                                                 "since"};
  std::string normalized(name);
  std::replace(normalized.begin(), normalized.end(), '-', '_');
  return std::find(std::begin(kNames), std::end(kNames), normalized) != std::end(kNames);
}

// `args` with every `--NAME=` (an empty value, before a `--`) of a flag
// that takes a value written as the two words `--NAME` and `` instead.
std::vector<std::string> EmptyValuesApart(const std::vector<std::string>& args) {
  std::vector<std::string> apart;
  bool flags = true;
  for (const std::string& arg : args) {
    if (arg == "--") flags = false;
    if (flags && arg.size() > 3 && absl::StartsWith(arg, "--") && absl::EndsWith(arg, "=") &&
        arg.find('=') == arg.size() - 1 && TakesValue(arg.substr(2, arg.size() - 3))) {
      apart.push_back(arg.substr(0, arg.size() - 1));
      apart.emplace_back();
    } else {
      apart.push_back(arg);
    }
  }
  return apart;
}

// Everything an Invocation holds, for comparing two.
std::string Describe(const Invocation& invocation) {
  const GlobalOptions& global = invocation.global;
  auto duration = [](std::optional<absl::Duration> d) {
    return d.has_value() ? absl::FormatDuration(*d) : std::string("none");
  };
  return absl::StrCat(CommandName(invocation.command), "|", global.server, "|", global.token, "|",
                      global.token_file, "|", absl::FormatDuration(global.timeout), "|",
                      global.json, "|", invocation.ensure_topics.SerializeAsString(), "|",
                      invocation.describe_topic.SerializeAsString(), "|",
                      invocation.consumer_lag.SerializeAsString(), "|", duration(invocation.watch),
                      "|", invocation.list_dead_letters.SerializeAsString(), "|",
                      invocation.redrive_session.SerializeAsString(), "|", invocation.redrive_wait,
                      "|", absl::FormatDuration(invocation.redrive_wait_timeout), "|",
                      invocation.replay_session.SerializeAsString(), "|",
                      invocation.reset_offsets.SerializeAsString(), "|",
                      invocation.get_session.SerializeAsString(), "|",
                      invocation.list_sessions.SerializeAsString(), "|",
                      duration(invocation.list_sessions_since), "|", invocation.list_sessions_all,
                      "|", invocation.erase_sessions.SerializeAsString(), "|",
                      invocation.enforce_retention.SerializeAsString());
}

}  // namespace
}  // namespace ingest::ingestctl

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // CLI11 must never end the process: an exit while parsing is a failure
  // (libFuzzer reports one too; the replay test would not).
  std::atexit([] {
    if (ingest::ingestctl::parsing) std::abort();
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ingest::ingestctl;
  if (size == 0) return 0;
  const uint8_t choices = data[0];
  Environment environment;
  if (choices & 1) environment["INGESTCTL_SERVER"] = "env-host:1";
  if (choices & 2) environment["INGESTCTL_TOKEN"] = "env-token";
  if (choices & 4) environment["INGESTCTL_TOKEN_FILE"] = "/nonexistent/ingestctl.token";

  const absl::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::vector<std::string> args;
  if (!rest.empty()) args = absl::StrSplit(rest, '\0');
  if (args.size() > kMaxWords) args.resize(kMaxWords);

  parsing = true;
  const absl::StatusOr<ParsedCommandLine> parsed = ParseCommandLine(args, environment);
  // `--NAME=` is `--NAME ''`: an empty value, never the next word.
  const std::vector<std::string> apart = EmptyValuesApart(args);
  if (apart != args) {
    const absl::StatusOr<ParsedCommandLine> again = ParseCommandLine(apart, environment);
    Require(again.ok() == parsed.ok());
    if (parsed.ok()) {
      Require(again->help.has_value() == parsed->help.has_value());
      if (!parsed->help.has_value()) {
        Require(Describe(again->invocation) == Describe(parsed->invocation));
      }
    }
  }
  parsing = false;
  if (!parsed.ok()) {
    Require(parsed.status().code() == absl::StatusCode::kInvalidArgument);
    Require(!parsed.status().message().empty());
    return 0;
  }
  if (parsed->help.has_value()) {
    Require(!parsed->help->empty());
    return 0;
  }
  CheckInvocation(parsed->invocation);
  return 0;
}
