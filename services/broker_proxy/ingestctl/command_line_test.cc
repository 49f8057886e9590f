#include "services/broker_proxy/ingestctl/command_line.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ingest::ingestctl {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

absl::StatusOr<ParsedCommandLine> Parse(std::vector<std::string> args, Environment env = {}) {
  return ParseCommandLine(args, env);
}

Invocation ParseOk(std::vector<std::string> args, Environment env = {}) {
  absl::StatusOr<ParsedCommandLine> parsed = Parse(args, env);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  if (!parsed.ok()) return {};
  EXPECT_FALSE(parsed->help.has_value());
  return parsed->invocation;
}

std::string UsageError(std::vector<std::string> args, Environment env = {}) {
  absl::StatusOr<ParsedCommandLine> parsed = Parse(args, env);
  EXPECT_FALSE(parsed.ok());
  if (parsed.ok()) return "";
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(parsed.status().message());
}

std::string Help(std::vector<std::string> args) {
  absl::StatusOr<ParsedCommandLine> parsed = Parse(args);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  if (!parsed.ok() || !parsed->help.has_value()) {
    ADD_FAILURE() << "no help";
    return "";
  }
  return *parsed->help;
}

TEST(CommandLineTest, GlobalDefaults) {
  const Invocation invocation = ParseOk({"lag"});
  EXPECT_EQ(invocation.command, Command::kLag);
  EXPECT_EQ(invocation.global.server, "127.0.0.1:9110");
  EXPECT_EQ(invocation.global.token, "");
  EXPECT_EQ(invocation.global.timeout, absl::Seconds(10));
  EXPECT_FALSE(invocation.global.json);
  EXPECT_FALSE(invocation.watch.has_value());
}

TEST(CommandLineTest, GlobalFlagsBeforeOrAfterTheCommand) {
  Invocation invocation =
      ParseOk({"--server=10.0.0.1:1", "--token", "t0k", "lag", "--timeout=3s", "--json"});
  EXPECT_EQ(invocation.global.server, "10.0.0.1:1");
  EXPECT_EQ(invocation.global.token, "t0k");
  EXPECT_EQ(invocation.global.timeout, absl::Seconds(3));
  EXPECT_TRUE(invocation.global.json);
}

TEST(CommandLineTest, RepeatedFlagsTakeTheLastValue) {
  const Invocation invocation =
      ParseOk({"--server=a:1", "--timeout=1s", "--server=b:2", "sessions", "list", "--limit=5",
               "--timeout=3s", "--limit", "7"});
  EXPECT_EQ(invocation.global.server, "b:2");
  EXPECT_EQ(invocation.global.timeout, absl::Seconds(3));
  EXPECT_EQ(invocation.list_sessions.limit(), 7);
}

TEST(CommandLineTest, EnvironmentIsTheFallback) {
  Environment env = {{"INGESTCTL_SERVER", "h:1"}, {"INGESTCTL_TOKEN", "from-env"}};
  Invocation invocation = ParseOk({"lag"}, env);
  EXPECT_EQ(invocation.global.server, "h:1");
  EXPECT_EQ(invocation.global.token, "from-env");

  invocation = ParseOk({"--server=h:2", "--token_file=/tmp/t", "lag"}, env);
  EXPECT_EQ(invocation.global.server, "h:2");
  EXPECT_EQ(invocation.global.token, "");
  EXPECT_EQ(invocation.global.token_file, "/tmp/t");

  invocation = ParseOk({"lag"}, {{"INGESTCTL_TOKEN_FILE", "/run/token"}});
  EXPECT_EQ(invocation.global.token_file, "/run/token");
}

TEST(CommandLineTest, TlsFilesFromFlagsOrTheEnvironment) {
  Invocation invocation = ParseOk(
      {"lag", "--ca-file=/pki/ca.crt", "--cert_file", "/pki/c.crt", "--key_file=/pki/c.key"});
  EXPECT_EQ(invocation.global.ca_file, "/pki/ca.crt");
  EXPECT_EQ(invocation.global.cert_file, "/pki/c.crt");
  EXPECT_EQ(invocation.global.key_file, "/pki/c.key");

  const Environment env = {{"INGESTCTL_CA_FILE", "/env/ca.crt"},
                           {"INGESTCTL_CERT_FILE", "/env/c.crt"},
                           {"INGESTCTL_KEY_FILE", "/env/c.key"}};
  invocation = ParseOk({"lag"}, env);
  EXPECT_EQ(invocation.global.ca_file, "/env/ca.crt");
  EXPECT_EQ(invocation.global.cert_file, "/env/c.crt");
  EXPECT_EQ(invocation.global.key_file, "/env/c.key");

  invocation = ParseOk({"--ca_file=/flag/ca.crt", "lag"}, env);
  EXPECT_EQ(invocation.global.ca_file, "/flag/ca.crt");
  EXPECT_EQ(invocation.global.cert_file, "/env/c.crt");

  invocation = ParseOk({"lag"});
  EXPECT_EQ(invocation.global.ca_file, "");
  EXPECT_EQ(invocation.global.cert_file, "");
}

TEST(CommandLineTest, AClientCertificateNeedsItsKeyAndACa) {
  EXPECT_EQ(UsageError({"lag", "--ca_file=ca", "--cert_file=c"}),
            "lag: --cert_file without --key_file: mutual TLS needs both, the certificate and "
            "its key (env INGESTCTL_CERT_FILE, INGESTCTL_KEY_FILE)");
  EXPECT_EQ(UsageError({"--ca_file=ca", "--key_file=k", "lag"}),
            "lag: --key_file without --cert_file: mutual TLS needs both, the certificate and "
            "its key (env INGESTCTL_CERT_FILE, INGESTCTL_KEY_FILE)");
  EXPECT_EQ(UsageError({"lag", "--ca_file=ca"}, {{"INGESTCTL_CERT_FILE", "c"}}),
            "lag: --cert_file without --key_file: mutual TLS needs both, the certificate and "
            "its key (env INGESTCTL_CERT_FILE, INGESTCTL_KEY_FILE)");
  EXPECT_EQ(UsageError({"lag", "--cert_file=c", "--key_file=k"}),
            "lag: --cert_file without --ca_file: a client certificate is sent over TLS only; "
            "give --ca_file, the CA bundle broker-proxy's certificate chains to (env "
            "INGESTCTL_CA_FILE)");
}

TEST(CommandLineTest, TopicsEnsure) {
  const Invocation invocation =
      ParseOk({"topics", "ensure", "--topic=t", "--partitions=12", "--replication_factor", "3",
               "--min-insync-replicas=2", "--retention=168h", "--max_message_bytes=1048576",
               "--force"});
  EXPECT_EQ(invocation.command, Command::kTopicsEnsure);
  const v1::TopicSpec& topic = invocation.ensure_topics.topic();
  EXPECT_EQ(topic.name(), "t");
  EXPECT_EQ(topic.partitions(), 12);
  EXPECT_EQ(topic.replication_factor(), 3);
  EXPECT_EQ(topic.min_insync_replicas(), 2);
  EXPECT_EQ(topic.retention_ms(), 168 * 3600 * 1000LL);
  EXPECT_EQ(topic.max_message_bytes(), 1048576);
  EXPECT_TRUE(invocation.ensure_topics.force());

  EXPECT_EQ(ParseOk({"topics", "ensure", "--retention=forever"}).ensure_topics.topic()
                .retention_ms(),
            -1);
  EXPECT_EQ(ParseOk({"topics", "ensure"}).ensure_topics.topic().partitions(), 0);
}

TEST(CommandLineTest, TopicsDescribe) {
  const Invocation invocation = ParseOk({"topics", "describe", "--topic", "ingest.tasks.dlq"});
  EXPECT_EQ(invocation.command, Command::kTopicsDescribe);
  EXPECT_EQ(invocation.describe_topic.name(), "ingest.tasks.dlq");
}

TEST(CommandLineTest, LagAndWatch) {
  Invocation invocation = ParseOk({"lag", "--group=g", "--topic=t"});
  EXPECT_EQ(invocation.consumer_lag.group(), "g");
  EXPECT_EQ(invocation.consumer_lag.topic(), "t");
  EXPECT_FALSE(invocation.watch.has_value());

  EXPECT_EQ(ParseOk({"lag", "--watch"}).watch, absl::Seconds(2));
  EXPECT_EQ(ParseOk({"lag", "--watch=5s"}).watch, absl::Seconds(5));
  // --watch never takes the next word as its interval.
  EXPECT_THAT(UsageError({"lag", "--watch", "5s"}),
              HasSubstr("lag: The following argument was not expected: 5s"));
  EXPECT_THAT(UsageError({"lag", "--watch=0s"}),
              HasSubstr("--watch: 0s: want a positive duration"));
}

TEST(CommandLineTest, DlqList) {
  const Invocation invocation = ParseOk(
      {"dlq", "list", "--session=s1", "--reason=undecodable", "--limit=20", "--page_token=p"});
  EXPECT_EQ(invocation.command, Command::kDlqList);
  EXPECT_EQ(invocation.list_dead_letters.session_id(), "s1");
  EXPECT_EQ(invocation.list_dead_letters.reason(), "undecodable");
  EXPECT_EQ(invocation.list_dead_letters.limit(), 20);
  EXPECT_EQ(invocation.list_dead_letters.page_token(), "p");
  EXPECT_THAT(UsageError({"dlq", "list", "--limit=0"}), HasSubstr("--limit: Value 0 not in range"));
  EXPECT_THAT(UsageError({"dlq", "list", "--limit=20000"}), HasSubstr("1 to 10000"));
}

TEST(CommandLineTest, DlqRedrive) {
  const Invocation invocation =
      ParseOk({"dlq", "redrive", "sess-1", "--skip_undecodable", "--dry-run"});
  EXPECT_EQ(invocation.command, Command::kDlqRedrive);
  EXPECT_EQ(invocation.redrive_session.session_id(), "sess-1");
  EXPECT_TRUE(invocation.redrive_session.skip_undecodable());
  EXPECT_TRUE(invocation.redrive_session.dry_run());
  EXPECT_FALSE(invocation.redrive_wait);
  EXPECT_THAT(UsageError({"dlq", "redrive"}), HasSubstr("dlq redrive: SESSION_ID is required"));
  EXPECT_THAT(UsageError({"dlq", "redrive", "a", "b"}), HasSubstr("not expected: b"));
}

TEST(CommandLineTest, Replay) {
  Invocation invocation = ParseOk({"replay", "s", "--from_offset=10", "--to_offset=20"});
  EXPECT_EQ(invocation.command, Command::kReplay);
  EXPECT_EQ(invocation.replay_session.session_id(), "s");
  EXPECT_EQ(invocation.replay_session.from_offset(), 10);
  EXPECT_EQ(invocation.replay_session.to_offset(), 20);

  invocation = ParseOk({"replay", "s", "--from_time=2024-05-01T12:00:00Z", "--dry_run=true"});
  EXPECT_EQ(invocation.replay_session.from_unix_ms(), 1714564800000);
  EXPECT_TRUE(invocation.replay_session.dry_run());

  EXPECT_THAT(UsageError({"replay", "s", "--from_offset=1", "--to_time=2024-05-01T12:00:00Z"}),
              HasSubstr("--from_offset excludes --to_time"));
  EXPECT_THAT(UsageError({"replay", "s", "--from_offset=5", "--to_offset=1"}),
              HasSubstr("--to_offset: is before --from_offset"));
  EXPECT_THAT(UsageError({"replay", "s", "--from_time=yesterday"}), HasSubstr("RFC 3339"));
}

TEST(CommandLineTest, OffsetsReset) {
  Invocation invocation = ParseOk({"offsets", "reset", "--to=earliest", "--dry-run"});
  EXPECT_EQ(invocation.command, Command::kOffsetsReset);
  EXPECT_TRUE(invocation.reset_offsets.earliest());
  EXPECT_TRUE(invocation.reset_offsets.dry_run());

  invocation = ParseOk({"offsets", "reset", "--group=g", "--to=latest", "--execute"});
  EXPECT_TRUE(invocation.reset_offsets.latest());
  EXPECT_FALSE(invocation.reset_offsets.dry_run());
  EXPECT_EQ(invocation.reset_offsets.group(), "g");

  invocation = ParseOk({"offsets", "reset", "--to=2024-05-01T12:00:00Z", "--dry_run"});
  EXPECT_EQ(invocation.reset_offsets.unix_ms(), 1714564800000);

  EXPECT_THAT(UsageError({"offsets", "reset", "--dry_run"}), HasSubstr("--to is required"));
  EXPECT_THAT(UsageError({"offsets", "reset", "--to=earliest"}), HasSubstr("--execute"));
  EXPECT_THAT(
      UsageError({"offsets", "reset", "--to=earliest", "--dry_run", "--execute"}),
      HasSubstr("Exactly 1 option from [--dry_run,--execute] is required and 2 were given"));
}

TEST(CommandLineTest, SessionsShow) {
  const Invocation invocation = ParseOk({"sessions", "show", "abc"});
  EXPECT_EQ(invocation.command, Command::kSessionsShow);
  EXPECT_EQ(invocation.get_session.session_id(), "abc");
  EXPECT_THAT(UsageError({"sessions", "show"}), HasSubstr("SESSION_ID is required"));
}

TEST(CommandLineTest, SessionsList) {
  Invocation invocation =
      ParseOk({"sessions", "list", "--project=demo-project", "--status=live",
               "--since=2024-05-01T12:00:00.250Z", "--limit", "200", "--page-token=tok",
               "--all", "--json"});
  EXPECT_EQ(invocation.command, Command::kSessionsList);
  const v1::ListSessionsRequest& request = invocation.list_sessions;
  EXPECT_EQ(request.project_id(), "demo-project");
  EXPECT_EQ(request.status(), "live");
  EXPECT_EQ(request.since_unix_ms(), 1714564800250);
  EXPECT_FALSE(invocation.list_sessions_since.has_value());
  EXPECT_EQ(request.limit(), 200);
  EXPECT_EQ(request.page_token(), "tok");
  EXPECT_TRUE(invocation.list_sessions_all);
  EXPECT_TRUE(invocation.global.json);

  // Defaults: every project and status, the server's page size, one page.
  invocation = ParseOk({"sessions", "list"});
  EXPECT_EQ(invocation.list_sessions.project_id(), "");
  EXPECT_EQ(invocation.list_sessions.status(), "");
  EXPECT_EQ(invocation.list_sessions.since_unix_ms(), 0);
  EXPECT_EQ(invocation.list_sessions.limit(), 0);
  EXPECT_FALSE(invocation.list_sessions_all);

  // A duration is kept relative: resolved when the command runs.
  invocation = ParseOk({"sessions", "list", "--since=90m", "--status=completed"});
  EXPECT_EQ(invocation.list_sessions_since, absl::Minutes(90));
  EXPECT_EQ(invocation.list_sessions.since_unix_ms(), 0);
  EXPECT_EQ(invocation.list_sessions.status(), "completed");
  EXPECT_EQ(ParseOk({"sessions", "list", "--since=7d"}).list_sessions_since, absl::Hours(168));
}

TEST(CommandLineTest, SessionsListRefusesBadValues) {
  EXPECT_THAT(UsageError({"sessions", "list", "--status=active"}),
              HasSubstr("--status: active not in {live,completed}"));
  EXPECT_THAT(UsageError({"sessions", "list", "--limit=0"}), HasSubstr("1 to 1000"));
  EXPECT_THAT(UsageError({"sessions", "list", "--limit=1001"}), HasSubstr("1 to 1000"));
  for (const char* since : {"--since=yesterday", "--since=-5m", "--since=0s", "--since=1.5d",
                            "--since=0d", "--since=2024-13-01T00:00:00Z"}) {
    EXPECT_THAT(UsageError({"sessions", "list", since}),
                HasSubstr("want a duration back from now"))
        << since;
  }
  EXPECT_THAT(UsageError({"sessions", "list", "--since=1960-01-01T00:00:00Z"}),
              HasSubstr("before 1970"));
  EXPECT_THAT(UsageError({"sessions", "list", "--project="}),
              HasSubstr("--project: want a non-empty value"));
  EXPECT_THAT(UsageError({"sessions", "list", "--project"}),
              HasSubstr("--project: 1 required PROJECT_ID missing"));
  EXPECT_THAT(UsageError({"sessions", "list", "extra"}), HasSubstr("not expected: extra"));
  EXPECT_THAT(UsageError({"sessions", "show", "s", "--all"}),
              HasSubstr("sessions show: The following argument was not expected: --all"));
  EXPECT_THAT(UsageError({"sessions"}), HasSubstr("sessions: A subcommand is required"));
}

TEST(CommandLineTest, SessionsDelete) {
  Invocation invocation = ParseOk({"sessions", "delete", "a.1", "b.2", "--dry-run", "c.3"});
  EXPECT_EQ(invocation.command, Command::kSessionsDelete);
  EXPECT_THAT(invocation.erase_sessions.session_ids(), ::testing::ElementsAre("a.1", "b.2", "c.3"));
  EXPECT_TRUE(invocation.erase_sessions.dry_run());
  EXPECT_EQ(invocation.erase_sessions.project_id(), "");
  EXPECT_EQ(invocation.global.timeout, absl::Minutes(2));

  invocation = ParseOk(
      {"sessions", "delete", "--project=demo", "--user", "ada@example.com", "--timeout=5m"});
  EXPECT_THAT(invocation.erase_sessions.session_ids(), ::testing::IsEmpty());
  EXPECT_EQ(invocation.erase_sessions.project_id(), "demo");
  EXPECT_EQ(invocation.erase_sessions.user_identifier(), "ada@example.com");
  EXPECT_FALSE(invocation.erase_sessions.dry_run());
  EXPECT_EQ(invocation.global.timeout, absl::Minutes(5));

  // After `--` an id may look like a flag.
  invocation = ParseOk({"sessions", "delete", "--", "-odd"});
  EXPECT_THAT(invocation.erase_sessions.session_ids(), ::testing::ElementsAre("-odd"));
}

TEST(CommandLineTest, SessionsDeleteRefusesNeitherOrBoth) {
  EXPECT_THAT(UsageError({"sessions", "delete"}),
              HasSubstr("sessions delete: name the sessions: SESSION_ID... or "
                        "--project=PROJECT_ID --user=IDENTIFIER"));
  EXPECT_THAT(UsageError({"sessions", "delete", "--dry-run"}), HasSubstr("name the sessions"));
  EXPECT_THAT(UsageError({"sessions", "delete", "a.1", "--project=demo", "--user=ada"}),
              HasSubstr("excludes"));
  EXPECT_THAT(UsageError({"sessions", "delete", "--project=demo"}),
              HasSubstr("--project requires --user"));
  EXPECT_THAT(UsageError({"sessions", "delete", "--user=ada"}),
              HasSubstr("--user requires --project"));
  EXPECT_THAT(UsageError({"sessions", "delete", "--project=", "--user=ada"}),
              HasSubstr("--project: want a non-empty value"));
  EXPECT_THAT(UsageError({"sessions", "delete", "a.1", ""}),
              HasSubstr("SESSION_ID: want a non-empty value"));
}

TEST(CommandLineTest, RetentionEnforce) {
  Invocation invocation = ParseOk({"retention", "enforce"});
  EXPECT_EQ(invocation.command, Command::kRetentionEnforce);
  EXPECT_FALSE(invocation.enforce_retention.dry_run());
  EXPECT_EQ(invocation.global.timeout, absl::Minutes(10));
  invocation = ParseOk({"--timeout=1m", "retention", "enforce", "--dry_run", "--json"});
  EXPECT_TRUE(invocation.enforce_retention.dry_run());
  EXPECT_EQ(invocation.global.timeout, absl::Minutes(1));
  EXPECT_TRUE(invocation.global.json);
  EXPECT_THAT(UsageError({"retention"}), HasSubstr("retention: A subcommand is required"));
  EXPECT_THAT(UsageError({"retention", "enforce", "x"}), HasSubstr("not expected: x"));
  // Other commands keep 10s.
  EXPECT_EQ(ParseOk({"sessions", "show", "s"}).global.timeout, absl::Seconds(10));
  invocation = ParseOk({"retention", "enforce", "--as_of=2026-12-09"});
  EXPECT_EQ(invocation.enforce_retention.as_of(), "2026-12-09");
}

TEST(CommandLineTest, UsageErrorsNameWhatIsWrong) {
  EXPECT_THAT(UsageError({}), HasSubstr("A subcommand is required"));
  EXPECT_THAT(UsageError({"lagg"}), HasSubstr("unknown command 'lagg'"));
  EXPECT_THAT(UsageError({"topics"}), HasSubstr("topics: A subcommand is required"));
  EXPECT_THAT(UsageError({"topics", "create"}), HasSubstr("unknown command 'topics create'"));
  EXPECT_THAT(UsageError({"lag", "--bogus"}),
              HasSubstr("lag: The following argument was not expected: --bogus"));
  EXPECT_THAT(UsageError({"--bogus", "lag"}), HasSubstr("not expected: --bogus"));
  // A command's flag belongs to that command only.
  EXPECT_THAT(UsageError({"lag", "--force"}),
              HasSubstr("lag: The following argument was not expected: --force"));
  EXPECT_THAT(UsageError({"lag", "--server"}), HasSubstr("--server: 1 required HOST:PORT missing"));
  EXPECT_THAT(UsageError({"lag", "--timeout=soon"}),
              HasSubstr("--timeout: soon: want a positive duration"));
  EXPECT_THAT(UsageError({"lag", "--json=maybe"}), HasSubstr("Could not convert: --json = maybe"));
  EXPECT_THAT(UsageError({"lag", "extra"}), HasSubstr("not expected: extra"));
  EXPECT_THAT(UsageError({"topics", "ensure", "--partitions=-1"}),
              HasSubstr("--partitions: Value -1 not in range 1 to"));
  EXPECT_THAT(UsageError({"--token=a", "--token_file=b", "lag"}),
              HasSubstr("--token excludes --token_file"));
}

TEST(CommandLineTest, HelpAtEveryLevel) {
  const std::string main_help = Help({"--help"});
  EXPECT_THAT(main_help, HasSubstr("Usage: ingestctl"));
  for (const char* command :
       {"topics ensure", "topics describe", "lag", "dlq list", "dlq redrive SESSION_ID",
        "replay SESSION_ID", "offsets reset", "sessions show SESSION_ID", "sessions list",
        "sessions delete SESSION_ID", "retention enforce"}) {
    EXPECT_THAT(main_help, HasSubstr(command));
  }
  EXPECT_THAT(main_help, HasSubstr("Exit codes"));
  EXPECT_EQ(Help({"-h"}), main_help);
  EXPECT_EQ(Help({"help", "--help"}), main_help);

  const std::string lag = Help({"lag", "--help"});
  EXPECT_THAT(lag, HasSubstr("Usage: ingestctl lag [OPTIONS]"));
  EXPECT_THAT(lag, HasSubstr("--watch [=INTERVAL]"));
  EXPECT_THAT(lag, HasSubstr("Example"));
  EXPECT_THAT(lag, HasSubstr("GetConsumerLag"));
  // --help wins over other flags and works before the command too.
  EXPECT_EQ(Help({"--server", "h:1", "--help", "lag", "--bogus"}), lag);

  const std::string ensure = Help({"topics", "ensure", "--help"});
  EXPECT_THAT(ensure, HasSubstr("--min_insync_replicas N"));
  EXPECT_THAT(ensure, HasSubstr("ingestctl topics ensure --partitions=12"));

  const std::string topics = Help({"topics", "--help"});
  EXPECT_THAT(topics, HasSubstr("topics ensure"));
  EXPECT_THAT(topics, HasSubstr("topics describe"));

  for (std::vector<std::string> args :
       std::vector<std::vector<std::string>>{{"topics", "describe", "--help"},
                                             {"dlq", "list", "--help"},
                                             {"dlq", "redrive", "--help"},
                                             {"replay", "--help"},
                                             {"offsets", "reset", "--help"},
                                             {"sessions", "show", "--help"},
                                             {"sessions", "list", "--help"},
                                             {"sessions", "delete", "--help"},
                                             {"retention", "enforce", "--help"}}) {
    EXPECT_THAT(Help(args), HasSubstr("Example")) << args[0];
  }

  const std::string list = Help({"sessions", "list", "--help"});
  EXPECT_THAT(list, HasSubstr("ListSessions"));
  EXPECT_THAT(list, HasSubstr("--since WHEN"));
  EXPECT_THAT(list, HasSubstr("ingestctl sessions list --project=demo-project --status=live"));
  const std::string sessions = Help({"sessions", "--help"});
  EXPECT_THAT(sessions, HasSubstr("sessions show"));
  EXPECT_THAT(sessions, HasSubstr("sessions list"));
  EXPECT_THAT(UsageError({"nope", "--help"}), HasSubstr("unknown command 'nope'"));
}

// Every command, as `ingestctl --help`, its group's help and its own help
// name it; the help comes from CLI11's formatter.
TEST(CommandLineTest, HelpNamesEverySubcommand) {
  struct Expected {
    std::vector<std::string> words;  // the command
    std::string usage;               // its usage line
    std::string rpc;
  };
  const std::vector<Expected> commands = {
      {{"topics", "ensure"}, "Usage: ingestctl topics ensure [OPTIONS]", "EnsureTopics"},
      {{"topics", "describe"}, "Usage: ingestctl topics describe [OPTIONS]", "DescribeTopic"},
      {{"lag"}, "Usage: ingestctl lag [OPTIONS]", "GetConsumerLag"},
      {{"dlq", "list"}, "Usage: ingestctl dlq list [OPTIONS]", "ListDeadLetters"},
      {{"dlq", "redrive"}, "Usage: ingestctl dlq redrive [OPTIONS] SESSION_ID", "RedriveSession"},
      {{"replay"}, "Usage: ingestctl replay [OPTIONS] SESSION_ID", "ReplaySession"},
      {{"offsets", "reset"}, "Usage: ingestctl offsets reset [OPTIONS]", "ResetOffsets"},
      {{"sessions", "show"}, "Usage: ingestctl sessions show [OPTIONS] SESSION_ID", "GetSession"},
      {{"sessions", "list"}, "Usage: ingestctl sessions list [OPTIONS]", "ListSessions"},
      {{"sessions", "delete"},
       "Usage: ingestctl sessions delete [OPTIONS] [SESSION_ID...]",
       "EraseSessions"},
      {{"retention", "enforce"},
       "Usage: ingestctl retention enforce [OPTIONS]",
       "EnforceRetention"},
  };
  const std::string main_help = Help({"--help"});
  EXPECT_THAT(main_help, HasSubstr("Usage: ingestctl [OPTIONS] SUBCOMMAND"));
  for (const Expected& command : commands) {
    const std::string name =
        command.words.size() == 1 ? command.words[0] : command.words[0] + " " + command.words[1];
    EXPECT_THAT(main_help, HasSubstr("\n  " + name)) << name;
    if (command.words.size() == 2) {
      const std::string group = Help({command.words[0], "--help"});
      EXPECT_THAT(group,
                  HasSubstr("Usage: ingestctl " + command.words[0] + " [OPTIONS] SUBCOMMAND"));
      EXPECT_THAT(group, HasSubstr("\n  " + name)) << name;
      EXPECT_THAT(group, HasSubstr("Run `ingestctl " + command.words[0] + " <command> --help`"));
    }
    std::vector<std::string> args = command.words;
    args.push_back("--help");
    const std::string help = Help(args);
    EXPECT_THAT(help, HasSubstr(command.usage));
    EXPECT_THAT(help, HasSubstr("Calls BrokerProxy." + command.rpc + "."));
    EXPECT_THAT(help, HasSubstr("Global flags: --server"));
    EXPECT_THAT(help, Not(HasSubstr("--server HOST:PORT"))) << name;  // listed by the main help
    args.back() = "-h";  // (CLI11 orders an "Excludes:" list by address: compare a line)
    EXPECT_THAT(Help(args), HasSubstr(command.usage));
  }
  // Flags that are not global appear only in their command's help.
  EXPECT_THAT(main_help, Not(HasSubstr("--watch")));
  EXPECT_THAT(Help({"offsets", "reset", "--help"}),
              HasSubstr("[Exactly 1 of the following options is required]"));
}

TEST(CommandLineTest, FlagSpellings) {
  // '-' and '_' in flag names, global ones too; booleans take =true|false.
  Invocation invocation = ParseOk({"--token-file=/t", "replay", "s", "--dry-run=false"});
  EXPECT_EQ(invocation.global.token_file, "/t");
  EXPECT_FALSE(invocation.replay_session.dry_run());
  // After `--` every word is an argument, even one that looks like a flag.
  invocation = ParseOk({"sessions", "show", "--", "-odd-id"});
  EXPECT_EQ(invocation.get_session.session_id(), "-odd-id");
  EXPECT_THAT(UsageError({"sessions", "show", ""}), HasSubstr("SESSION_ID: want a non-empty"));
}

// `--name=` is an empty value, as `--name ''` is. CLI11 2.1.2 read it as
// `--name` and took the next word as the value: `--topic="$T" --dry_run`
// with T empty redrove for real into topic "--dry_run". Found by
// fuzz/ingestctl_args_fuzzer.cc.
TEST(CommandLineTest, AnEmptyValueIsEmptyNotTheNextWord) {
  Invocation invocation = ParseOk({"dlq", "redrive", "s", "--topic=", "--dry_run"});
  EXPECT_EQ(invocation.redrive_session.topic(), "");
  EXPECT_TRUE(invocation.redrive_session.dry_run());
  invocation = ParseOk({"--token=", "lag"});
  EXPECT_EQ(invocation.command, Command::kLag);
  EXPECT_EQ(invocation.global.token, "");
  invocation = ParseOk({"sessions", "list", "--page-token=", "--all"});
  EXPECT_EQ(invocation.list_sessions.page_token(), "");
  EXPECT_TRUE(invocation.list_sessions_all);
  // After `--` a word is an argument as it is.
  invocation = ParseOk({"sessions", "show", "--", "--id="});
  EXPECT_EQ(invocation.get_session.session_id(), "--id=");
}

TEST(CommandLineTest, CommandNames) {
  EXPECT_EQ(CommandName(Command::kTopicsEnsure), "topics ensure");
  EXPECT_EQ(CommandName(Command::kLag), "lag");
  EXPECT_EQ(CommandName(Command::kOffsetsReset), "offsets reset");
  EXPECT_EQ(CommandName(Command::kSessionsList), "sessions list");
  EXPECT_EQ(CommandName(Command::kSessionsDelete), "sessions delete");
  EXPECT_EQ(CommandName(Command::kRetentionEnforce), "retention enforce");
}

TEST(CommandLineTest, DlqRedriveWait) {
  Invocation waiting = ParseOk({"dlq", "redrive", "sess-1", "--wait"});
  EXPECT_TRUE(waiting.redrive_wait);
  EXPECT_EQ(waiting.redrive_wait_timeout, absl::Seconds(120));
  Invocation bounded = ParseOk({"dlq", "redrive", "sess-1", "--wait", "--wait_timeout=30s"});
  EXPECT_EQ(bounded.redrive_wait_timeout, absl::Seconds(30));
  EXPECT_THAT(UsageError({"dlq", "redrive", "s", "--wait", "--wait_timeout=soon"}),
              HasSubstr("--wait_timeout: soon"));
  EXPECT_THAT(UsageError({"dlq", "redrive", "s", "--wait_timeout=30s"}),
              HasSubstr("--wait_timeout requires --wait"));
}

}  // namespace
}  // namespace ingest::ingestctl
