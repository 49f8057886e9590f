#pragma once

// ingestctl's command line, parsed with CLI11 and without global state: a
// pure function from the arguments and the environment to an Invocation
// (what to call and with which request), a help text, or a usage error.
//
//   ingestctl [global flags] <command> [<subcommand>] [flags] [ARG]
//
// Global flags may come before or after the command, as `--name=value` or
// `--name value` (booleans as `--name` or `--name=true|false`); `-` and `_`
// are the same in flag names (`--dry-run` is `--dry_run`). `--help` (or
// `-h`) prints the help of the command named with it; CLI11 writes it.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ingest/v1/admin.pb.h"

namespace ingest::ingestctl {

namespace v1 = ::ingest::v1;

// Exit codes of ingestctl (README.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;    // an RPC or operational error
inline constexpr int kExitUsage = 2;    // bad command line (also a bad token file)
inline constexpr int kExitRefused = 3;  // FAILED_PRECONDITION: unsafe topic, group not stopped

inline constexpr char kDefaultServer[] = "127.0.0.1:9110";
// The deadline of a call without --timeout; longer for the commands whose
// work grows with the data: an erasure's transaction, a retention run.
inline constexpr absl::Duration kDefaultTimeout = absl::Seconds(10);
inline constexpr absl::Duration kSessionsDeleteTimeout = absl::Minutes(2);
inline constexpr absl::Duration kRetentionEnforceTimeout = absl::Minutes(10);
inline constexpr absl::Duration kDefaultWatchInterval = absl::Seconds(2);
// `dlq redrive --wait`: how often the session is read, and for how long.
inline constexpr absl::Duration kRedriveWaitInterval = absl::Milliseconds(500);
inline constexpr absl::Duration kDefaultRedriveWaitTimeout = absl::Seconds(120);

enum class Command {
  kTopicsEnsure,
  kTopicsDescribe,
  kLag,
  kDlqList,
  kDlqRedrive,
  kReplay,
  kOffsetsReset,
  kSessionsShow,
  kSessionsList,
  kSessionsDelete,
  kRetentionEnforce,
};

// "topics ensure", "lag", ...: how errors and help name a command.
std::string CommandName(Command command);

// Flags every command takes.
struct GlobalOptions {
  std::string server = kDefaultServer;  // --server, $INGESTCTL_SERVER
  std::string token;                    // --token, $INGESTCTL_TOKEN
  std::string token_file;               // --token_file, $INGESTCTL_TOKEN_FILE
  // TLS: the CA bundle broker-proxy's certificate must chain to (empty:
  // plaintext) and, for mutual TLS, this client's certificate and key (both
  // or neither, and only with a CA).
  std::string ca_file;    // --ca_file, $INGESTCTL_CA_FILE
  std::string cert_file;  // --cert_file, $INGESTCTL_CERT_FILE
  std::string key_file;   // --key_file, $INGESTCTL_KEY_FILE
  // --timeout, else the command's default (kDefaultTimeout,
  // kSessionsDeleteTimeout, kRetentionEnforceTimeout).
  absl::Duration timeout = kDefaultTimeout;
  bool json = false;
};

// One command to run. Only the request of `command` is filled in.
struct Invocation {
  Command command = Command::kLag;
  GlobalOptions global;

  v1::EnsureTopicsRequest ensure_topics;
  v1::DescribeTopicRequest describe_topic;
  v1::GetConsumerLagRequest consumer_lag;
  std::optional<absl::Duration> watch;  // lag --watch[=INTERVAL]
  v1::ListDeadLettersRequest list_dead_letters;
  v1::RedriveSessionRequest redrive_session;
  // dlq redrive --wait[ --wait_timeout=DURATION]: after a redrive (not a dry
  // run), wait until the quarantine is lifted or the redrive failed.
  bool redrive_wait = false;
  absl::Duration redrive_wait_timeout = kDefaultRedriveWaitTimeout;
  v1::ReplaySessionRequest replay_session;
  v1::ResetOffsetsRequest reset_offsets;
  v1::GetSessionRequest get_session;
  // sessions list: since_unix_ms is set for an RFC 3339 --since; a
  // duration (--since=24h) is kept here and resolved against the clock when
  // the command runs.
  v1::ListSessionsRequest list_sessions;
  std::optional<absl::Duration> list_sessions_since;
  bool list_sessions_all = false;  // --all: follow every page
  v1::EraseSessionsRequest erase_sessions;
  v1::EnforceRetentionRequest enforce_retention;
};

// What the command line asks for: help text to print (exit 0), or an
// Invocation. A usage error is INVALID_ARGUMENT: CLI11's message (naming the
// flag, value or argument), after the command it concerns ("lag: ...").
struct ParsedCommandLine {
  std::optional<std::string> help;
  Invocation invocation;
};

// Environment variables ingestctl reads (kEnvironmentVariables); a flag
// wins over its variable.
using Environment = std::map<std::string, std::string>;
inline constexpr const char* kEnvironmentVariables[] = {
    "INGESTCTL_SERVER",  "INGESTCTL_TOKEN",     "INGESTCTL_TOKEN_FILE",
    "INGESTCTL_CA_FILE", "INGESTCTL_CERT_FILE", "INGESTCTL_KEY_FILE"};

// `args` excludes the program name.
absl::StatusOr<ParsedCommandLine> ParseCommandLine(const std::vector<std::string>& args,
                                                   const Environment& environment);

}  // namespace ingest::ingestctl
