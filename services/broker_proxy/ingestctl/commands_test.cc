#include "services/broker_proxy/ingestctl/commands.h"

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/broker_proxy/ingestctl/fake_broker_proxy_client.h"

namespace ingest::ingestctl {
namespace {

using ::testing::Each;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// Allows `rounds` pauses, then says stop (Ctrl-C).
class CountingPacer final : public Pacer {
 public:
  explicit CountingPacer(int rounds) : rounds_(rounds) {}
  bool Wait(absl::Duration interval) override {
    waits.push_back(interval);
    return static_cast<int>(waits.size()) <= rounds_;
  }
  absl::Time Now() override { return absl::FromUnixSeconds(1714564800); }
  std::vector<absl::Duration> waits;

 private:
  int rounds_;
};

class CommandsTest : public ::testing::Test {
 protected:
  // Parses `args` and runs them against the fake; fills out_ and err_.
  int Run(std::vector<std::string> args) {
    absl::StatusOr<ParsedCommandLine> parsed = ParseCommandLine(args, {});
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    if (!parsed.ok()) return -1;
    invocation_ = parsed->invocation;
    std::ostringstream out;
    std::ostringstream err;
    Console console{out, err, false};
    const int code = RunCommand(invocation_, client_, console, pacer_);
    out_ = out.str();
    err_ = err.str();
    return code;
  }

  static v1::GetConsumerLagResponse Lag() {
    v1::GetConsumerLagResponse lag;
    lag.set_group("ingest-workers");
    lag.set_topic("ingest.tasks");
    lag.set_group_state("Stable");
    lag.set_members(2);
    lag.set_total_lag(20);
    v1::PartitionLag* p0 = lag.add_partitions();
    p0->set_partition(0);
    p0->set_high_watermark(1200);
    p0->set_kafka_committed_offset(1180);
    p0->set_database_next_offset(1180);
    p0->set_lag(20);
    p0->set_oldest_unprocessed_age_seconds(3.2);
    p0->set_owner_instance("worker-0");
    p0->set_owner_host("10.0.0.5");
    v1::PartitionLag* p1 = lag.add_partitions();
    p1->set_partition(1);
    p1->set_high_watermark(95000);
    p1->set_kafka_committed_offset(-1);
    p1->set_database_next_offset(95000);
    p1->set_owner_member("consumer-7f3a");
    return lag;
  }

  static v1::TopicDescription Topic() {
    v1::TopicDescription topic;
    topic.set_name("ingest.tasks");
    topic.set_replication_factor(3);
    topic.set_size_bytes(int64_t{3} << 30);
    topic.set_under_replicated_partitions(1);
    (*topic.mutable_configs())["min.insync.replicas"] = "1";
    (*topic.mutable_configs())["cleanup.policy"] = "compact";
    for (int i = 0; i < 2; ++i) {
      v1::PartitionDescription* p = topic.add_partitions();
      p->set_partition(i);
      p->set_leader(i + 1);
      p->add_replicas(1);
      p->add_replicas(2);
      p->add_replicas(3);
      p->add_isr(1);
      p->add_isr(2);
      if (i == 0) p->add_isr(3);
      p->set_low_watermark(0);
      p->set_high_watermark(1000 * (i + 1));
      p->set_size_bytes(int64_t{3} << 29);
    }
    v1::SafetyFinding* finding = topic.add_unsafe();
    finding->set_rule("cleanup.policy=delete");
    finding->set_problem("cleanup.policy is compact: compaction drops payloads of a session");
    finding->set_fix(
        "kafka-configs --alter --entity-type topics --entity-name ingest.tasks "
        "--add-config cleanup.policy=delete");
    return topic;
  }

  FakeBrokerProxyClient client_;
  CountingPacer pacer_{0};
  Invocation invocation_;
  std::string out_;
  std::string err_;
};

TEST_F(CommandsTest, LagTable) {
  client_.consumer_lag.push_back(Lag());
  EXPECT_EQ(Run({"lag", "--group=ingest-workers"}), kExitOk);
  EXPECT_EQ(out_,
            "PARTITION  HIGH_WATERMARK  DB_OFFSET  KAFKA_COMMITTED  LAG  OLDEST_AGE  OWNER\n"
            "        0            1200       1180             1180   20        3.2s  "
            "worker-0@10.0.0.5\n"
            "        1           95000      95000                -    0           -  "
            "consumer-7f3a\n"
            "    TOTAL                                               20        3.2s\n"
            "group ingest-workers on ingest.tasks: Stable, 2 members\n");
  EXPECT_EQ(err_, "");
  ASSERT_EQ(client_.consumer_lag_requests.size(), 1u);
  EXPECT_EQ(client_.consumer_lag_requests[0].group(), "ingest-workers");
}

TEST_F(CommandsTest, LagWarnsOfADatabaseOffsetPastTheEndOfTheLog) {
  v1::GetConsumerLagResponse lag = Lag();
  lag.mutable_partitions(1)->set_database_next_offset(96000);  // the topic was recreated
  client_.consumer_lag.push_back(lag);
  EXPECT_EQ(Run({"lag"}), kExitOk);
  EXPECT_THAT(out_, HasSubstr("WARNING partition 1: the database's next offset 96000 is past the "
                              "end of the log (95000)"));
  EXPECT_THAT(out_, Not(HasSubstr("WARNING partition 0")));
}

TEST_F(CommandsTest, LagWithNoPartitions) {
  v1::GetConsumerLagResponse empty;
  empty.set_group("g");
  empty.set_topic("t");
  empty.set_group_state("Empty");
  client_.consumer_lag.push_back(empty);
  EXPECT_EQ(Run({"lag"}), kExitOk);
  EXPECT_EQ(out_,
            "PARTITION  HIGH_WATERMARK  DB_OFFSET  KAFKA_COMMITTED  LAG  OLDEST_AGE  OWNER\n"
            "    TOTAL                                                0           -\n"
            "group g on t: Empty, 0 members\n");
}

TEST_F(CommandsTest, LagJsonKeepsProtoFieldNames) {
  client_.consumer_lag.push_back(Lag());
  EXPECT_EQ(Run({"lag", "--json"}), kExitOk);
  EXPECT_THAT(out_, StartsWith("{\"group\":\"ingest-workers\""));
  EXPECT_THAT(out_, HasSubstr("\"total_lag\":\"20\""));
  EXPECT_THAT(out_, HasSubstr("\"database_next_offset\":\"1180\""));
  EXPECT_THAT(out_, HasSubstr("\"owner_member\":\"\""));  // defaults are printed too
  EXPECT_EQ(std::count(out_.begin(), out_.end(), '\n'), 1);
}

TEST_F(CommandsTest, LagWatchRedrawsUntilStopped) {
  pacer_ = CountingPacer(2);
  client_.consumer_lag.push_back(Lag());
  client_.consumer_lag.push_back(absl::UnavailableError("connection refused"));
  client_.consumer_lag.push_back(Lag());
  EXPECT_EQ(Run({"lag", "--watch=5s"}), kExitOk);
  EXPECT_EQ(client_.consumer_lag_requests.size(), 3u);
  EXPECT_EQ(pacer_.waits, std::vector<absl::Duration>(3, absl::Seconds(5)));
  EXPECT_THAT(out_, HasSubstr("Every 5s: ingestctl lag"));
  // A transient error is shown and watched through.
  EXPECT_THAT(err_, HasSubstr("ingestctl: lag: UNAVAILABLE: connection refused"));
}

TEST_F(CommandsTest, LagWatchEndsOnAPermanentError) {
  pacer_ = CountingPacer(5);
  client_.consumer_lag.push_back(absl::UnauthenticatedError("bad token"));
  EXPECT_EQ(Run({"lag", "--watch"}), kExitError);
  EXPECT_EQ(client_.consumer_lag_requests.size(), 1u);
  EXPECT_THAT(err_, HasSubstr("UNAUTHENTICATED: bad token"));
}

TEST_F(CommandsTest, DescribeTopic) {
  v1::DescribeTopicResponse response;
  *response.mutable_topic() = Topic();
  client_.describe_topic.push_back(response);
  EXPECT_EQ(Run({"topics", "describe"}), kExitOk);
  EXPECT_EQ(out_,
            "TOPIC ingest.tasks: 2 partitions, replication factor 3, size 3.0 GiB, "
            "1 under-replicated partition\n"
            "\n"
            "PARTITION  LEADER  REPLICAS  ISR    LOW  HIGH     SIZE  NOTE\n"
            "        0       1  1,2,3     1,2,3    0  1000  1.5 GiB\n"
            "        1       2  1,2,3     1,2      0  2000  1.5 GiB  under-replicated\n"
            "\n"
            "CONFIG               VALUE\n"
            "cleanup.policy       compact\n"
            "min.insync.replicas  1\n"
            "\n"
            "UNSAFE: 1 finding on ingest.tasks\n"
            "  cleanup.policy=delete: cleanup.policy is compact: compaction drops payloads of "
            "a session\n"
            "    fix: kafka-configs --alter --entity-type topics --entity-name ingest.tasks "
            "--add-config cleanup.policy=delete\n");
  EXPECT_EQ(client_.describe_topic_requests[0].name(), "");  // the server's default
}

TEST_F(CommandsTest, DescribeSafeTopicJson) {
  v1::DescribeTopicResponse response;
  *response.mutable_topic() = Topic();
  response.mutable_topic()->clear_unsafe();
  client_.describe_topic.push_back(response);
  EXPECT_EQ(Run({"topics", "describe", "--json"}), kExitOk);
  EXPECT_THAT(out_, HasSubstr("\"under_replicated_partitions\":1"));
  EXPECT_THAT(out_, HasSubstr("\"unsafe\":[]"));

  EXPECT_EQ(Run({"topics", "describe"}), kExitOk);
  EXPECT_THAT(out_, HasSubstr("UNSAFE: none\n"));
}

TEST_F(CommandsTest, EnsureTopicsCreatedAndAlreadySafe) {
  v1::EnsureTopicsResponse response;
  v1::TopicOutcome* tasks = response.add_topics();
  tasks->set_name("ingest.tasks");
  tasks->set_action(v1::TopicOutcome::CREATED);
  *tasks->mutable_description() = Topic();
  tasks->mutable_description()->clear_unsafe();
  v1::TopicOutcome* dlq = response.add_topics();
  dlq->set_name("ingest.tasks.dlq");
  dlq->set_action(v1::TopicOutcome::ALREADY_SAFE);
  dlq->mutable_description()->set_replication_factor(3);
  dlq->mutable_description()->set_size_bytes(-1);
  client_.ensure_topics.push_back(response);
  EXPECT_EQ(Run({"topics", "ensure", "--partitions=2"}), kExitOk);
  EXPECT_EQ(out_,
            "TOPIC             RESULT        PARTITIONS  REPLICATION     SIZE\n"
            "ingest.tasks      created                2            3  3.0 GiB\n"
            "ingest.tasks.dlq  already safe           0            3        ?\n");
  EXPECT_EQ(client_.ensure_topics_requests[0].topic().partitions(), 2);
}

TEST_F(CommandsTest, EnsureTopicsRefusalExitsThree) {
  client_.ensure_topics.push_back(absl::FailedPreconditionError(
      "unsafe topic ingest.tasks: cleanup.policy=delete: found compact"));
  EXPECT_EQ(Run({"topics", "ensure"}), kExitRefused);
  EXPECT_EQ(out_, "");
  EXPECT_EQ(err_,
            "ingestctl: topics ensure: FAILED_PRECONDITION: unsafe topic ingest.tasks: "
            "cleanup.policy=delete: found compact\n");
}

TEST_F(CommandsTest, UnavailableHintsAtTheServer) {
  client_.consumer_lag.push_back(absl::UnavailableError("failed to connect to all addresses"));
  EXPECT_EQ(Run({"--server=10.1.2.3:9110", "lag"}), kExitError);
  EXPECT_EQ(err_,
            "ingestctl: lag: UNAVAILABLE: failed to connect to all addresses\n"
            "hint: is broker-proxy running at 10.1.2.3:9110? Set --server or "
            "INGESTCTL_SERVER.\n");
}

TEST_F(CommandsTest, UnauthenticatedHintsAtTheToken) {
  client_.get_session.push_back(absl::UnauthenticatedError("missing operator token"));
  EXPECT_EQ(Run({"sessions", "show", "s"}), kExitError);
  EXPECT_THAT(err_, HasSubstr("ingestctl: sessions show: UNAUTHENTICATED: missing operator "
                              "token\nhint: check the token"));
  EXPECT_THAT(err_, HasSubstr("none was given"));
}

TEST_F(CommandsTest, UnimplementedPrintsTheServersMessage) {
  client_.replay_session.push_back(absl::UnimplementedError("ReplaySession is not built yet"));
  EXPECT_EQ(Run({"replay", "s"}), kExitError);
  EXPECT_THAT(err_, StartsWith("ingestctl: replay: UNIMPLEMENTED: ReplaySession is not built "
                               "yet\n"));
}

TEST_F(CommandsTest, DlqList) {
  v1::ListDeadLettersResponse response;
  v1::DeadLetter* letter = response.add_letters();
  letter->set_dlq_partition(0);
  letter->set_dlq_offset(17);
  letter->set_session_id("3f2a9c");
  letter->set_reason("undecodable");
  letter->set_detail("bad varint");
  letter->set_origin_partition(4);
  letter->set_origin_offset(1021);
  letter->set_dead_lettered_at_unix_ms(1714564800000);
  letter->set_value_bytes(2048);
  response.set_next_page_token("0:18");
  client_.list_dead_letters.push_back(response);
  EXPECT_EQ(Run({"dlq", "list", "--session=3f2a9c"}), kExitOk);
  EXPECT_EQ(out_,
            "DLQ   SESSION  PAYLOAD_ID  REASON       ORIGIN  DEAD_LETTERED            SIZE  "
            "DETAIL\n"
            "0/17  3f2a9c            -  undecodable  4/1021  2024-05-01T12:00:00Z  2.0 KiB  "
            "bad varint\n"
            "1 letter; more with --page_token=0:18\n");
  EXPECT_EQ(client_.list_dead_letters_requests[0].session_id(), "3f2a9c");

  client_.list_dead_letters.front() = v1::ListDeadLettersResponse();
  EXPECT_EQ(Run({"dlq", "list"}), kExitOk);
  EXPECT_EQ(out_, "no dead letters\n");
}

TEST_F(CommandsTest, DlqRedrive) {
  v1::RedriveSessionResponse response;
  response.set_redriven(12);
  response.set_first_partition(3);
  response.set_first_offset(100);
  response.set_last_offset(111);
  response.set_quarantine_lifted(true);
  client_.redrive_session.push_back(response);
  EXPECT_EQ(Run({"dlq", "redrive", "3f2a9c"}), kExitOk);
  EXPECT_EQ(out_,
            "redrove 12 records of session 3f2a9c (partition 3, offsets 100..111)\n"
            "skipped undecodable: 0\nquarantine: lifted\n");

  client_.redrive_session.front() =
      absl::FailedPreconditionError("2 letters of session 3f2a9c are undecodable");
  EXPECT_EQ(Run({"dlq", "redrive", "3f2a9c"}), kExitRefused);
}

// A redrive under way, as RedriveSession answers it.
v1::RedriveSessionResponse Redriven() {
  v1::RedriveSessionResponse response;
  response.set_redriven(4);
  response.set_first_partition(2);
  response.set_first_offset(100);
  response.set_last_offset(103);
  response.set_redrive_id("rd-1-abc");
  response.set_scanned_through(100);
  return response;
}

v1::GetSessionResponse Session(const std::string& status, const std::string& redrive_id) {
  v1::GetSessionResponse session;
  session.set_session_id("3f2a9c");
  session.set_status(status);
  session.set_payloads(6);
  session.set_highest_payload_id(6);
  if (status == "quarantined") session.set_quarantine_reason("invalid_record");
  session.set_redrive_id(redrive_id);
  return session;
}

TEST_F(CommandsTest, DlqRedriveRendersTheRedriveUnderWay) {
  client_.redrive_session.push_back(Redriven());
  EXPECT_EQ(Run({"dlq", "redrive", "3f2a9c"}), kExitOk);
  EXPECT_EQ(out_,
            "redrove 4 records of session 3f2a9c (partition 2, offsets 100..103)\n"
            "redrive id: rd-1-abc (dead letters below offset 100)\n"
            "skipped undecodable: 0\n"
            "quarantine: still in place until the worker stores the last record "
            "(ingestctl sessions show, or --wait)\n");
  EXPECT_TRUE(client_.get_session_requests.empty());  // no --wait: no polling
}

TEST_F(CommandsTest, DlqRedriveWaitsUntilTheSessionLands) {
  pacer_ = CountingPacer(10);
  client_.redrive_session.push_back(Redriven());
  client_.get_session.push_back(Session("quarantined", "rd-1-abc"));
  client_.get_session.push_back(absl::UnavailableError("restarting"));  // waited through
  client_.get_session.push_back(Session("active", ""));
  EXPECT_EQ(Run({"dlq", "redrive", "3f2a9c", "--wait"}), kExitOk);
  EXPECT_THAT(out_, HasSubstr("session 3f2a9c landed: 6 payloads, no gaps\n"));
  EXPECT_EQ(client_.get_session_requests.size(), 3u);
  EXPECT_THAT(pacer_.waits, Each(kRedriveWaitInterval));
}

TEST_F(CommandsTest, DlqRedriveWaitNamesTheGapsOfALandedSession) {
  pacer_ = CountingPacer(10);
  client_.redrive_session.push_back(Redriven());
  v1::GetSessionResponse landed = Session("active", "");
  v1::PayloadGap* gap = landed.add_gaps();
  gap->set_from_payload_id(3);
  gap->set_to_payload_id(4);
  client_.get_session.push_back(landed);
  EXPECT_EQ(Run({"dlq", "redrive", "3f2a9c", "--wait"}), kExitOk);
  EXPECT_THAT(out_, HasSubstr("session 3f2a9c landed: 6 payloads, gaps: 3..4\n"));
}

TEST_F(CommandsTest, DlqRedriveWaitExitsOneWhenTheWorkerQuarantinesAgain) {
  pacer_ = CountingPacer(10);
  client_.redrive_session.push_back(Redriven());
  client_.get_session.push_back(Session("quarantined", "rd-1-abc"));
  client_.get_session.push_back(Session("quarantined", ""));  // quarantined anew
  EXPECT_EQ(Run({"dlq", "redrive", "3f2a9c", "--wait"}), kExitError);
  EXPECT_THAT(out_, HasSubstr("redrive did not lift the quarantine: invalid_record; run "
                              "`ingestctl sessions show 3f2a9c`\n"));
  EXPECT_EQ(client_.get_session_requests.size(), 2u);
}

// Each pause moves the clock on by its interval.
class AdvancingPacer final : public Pacer {
 public:
  bool Wait(absl::Duration interval) override {
    now_ += interval;
    ++waits;
    return true;
  }
  absl::Time Now() override { return now_; }
  int waits = 0;

 private:
  absl::Time now_ = absl::FromUnixSeconds(1714564800);
};

TEST_F(CommandsTest, DlqRedriveWaitGivesUpAtItsTimeout) {
  client_.redrive_session.push_back(Redriven());
  client_.get_session.push_back(Session("quarantined", "rd-1-abc"));
  absl::StatusOr<ParsedCommandLine> parsed =
      ParseCommandLine({"dlq", "redrive", "3f2a9c", "--wait", "--wait_timeout=2s"}, {});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  std::ostringstream out;
  std::ostringstream err;
  Console console{out, err, false};
  AdvancingPacer pacer;
  EXPECT_EQ(RunCommand(parsed->invocation, client_, console, pacer), kExitError);
  EXPECT_EQ(pacer.waits, 4);  // 2s of 500ms pauses
  EXPECT_THAT(out.str(), HasSubstr("redrive rd-1-abc did not land within --wait_timeout=2s"));
}

TEST_F(CommandsTest, DlqRedriveDryRunDoesNotWait) {
  client_.redrive_session.push_back(Redriven());
  EXPECT_EQ(Run({"dlq", "redrive", "3f2a9c", "--dry_run", "--wait"}), kExitOk);
  EXPECT_TRUE(client_.get_session_requests.empty());
}

TEST_F(CommandsTest, Replay) {
  v1::ReplaySessionResponse response;
  response.set_partition(3);
  response.set_records_found(40);
  client_.replay_session.push_back(response);
  EXPECT_EQ(Run({"replay", "s1", "--dry_run"}), kExitOk);
  EXPECT_EQ(out_, "session s1, partition 3: 40 records found, none replayed (dry run)\n");
}

TEST_F(CommandsTest, OffsetsResetDryRunAndRefusal) {
  v1::ResetOffsetsResponse response;
  v1::OffsetChange* change = response.add_changes();
  change->set_partition(0);
  change->set_from_offset(1200);
  change->set_to_offset(0);
  change = response.add_changes();
  change->set_partition(1);
  change->set_from_offset(-1);
  change->set_to_offset(0);
  client_.reset_offsets.push_back(response);
  EXPECT_EQ(Run({"offsets", "reset", "--to=earliest", "--dry-run"}), kExitOk);
  EXPECT_EQ(out_,
            "PARTITION  FROM  TO  CHANGE\n"
            "        0  1200   0   -1200\n"
            "        1     -   0       -\n"
            "dry run: nothing changed; run again with --execute to apply\n");
  EXPECT_TRUE(client_.reset_offsets_requests[0].dry_run());

  client_.reset_offsets.front() = absl::FailedPreconditionError(
      "group ingest-workers has 2 members: stop the workers first");
  EXPECT_EQ(Run({"offsets", "reset", "--to=latest", "--execute"}), kExitRefused);
  EXPECT_THAT(err_, HasSubstr("offsets reset: FAILED_PRECONDITION: group ingest-workers"));
}

TEST_F(CommandsTest, SessionsShow) {
  v1::GetSessionResponse response;
  response.set_session_id("3f2a9c");
  response.set_project_id("demo-project");
  response.set_status("quarantined");
  response.set_payloads(118);
  response.set_highest_payload_id(120);
  v1::PayloadGap* gap = response.add_gaps();
  gap->set_from_payload_id(5);
  gap->set_to_payload_id(6);
  response.set_stored_bytes(12 << 20);
  response.set_quarantine_reason("undecodable");
  response.set_quarantined_at_unix_ms(1714564800000);
  response.set_first_received_unix_ms(1714564700000);
  response.set_last_received_unix_ms(1714564800000);
  response.set_redrive_id("rd-1-abc");
  response.set_expires_by_age(true);
  response.set_kafka_retention_ms(-1);
  client_.get_session.push_back(response);
  EXPECT_EQ(Run({"sessions", "show", "3f2a9c"}), kExitOk);
  EXPECT_EQ(out_,
            "SESSION         3f2a9c\n"
            "PROJECT         demo-project\n"
            "STATUS          - (no summary: stored before session summaries)\n"
            "INGESTION       quarantined\n"
            "PAYLOADS        118 (highest payload id 120)\n"
            "GAPS            5..6\n"
            "STORED          12.0 MiB\n"
            "FIRST_RECEIVED  2024-05-01T11:58:20Z\n"
            "LAST_RECEIVED   2024-05-01T12:00:00Z\n"
            "KEPT_UNTIL      no expiry day (stored before retention; expires by age)\n"
            "KAFKA           Kafka retention: unlimited\n"
            "QUARANTINED     2024-05-01T12:00:00Z: undecodable\n"
            "REDRIVE         rd-1-abc under way\n");
  EXPECT_EQ(client_.get_session_requests[0].session_id(), "3f2a9c");
}

// A completed session with its summary and pages, as GetSession answers it.
v1::GetSessionResponse SummarizedSession() {
  v1::GetSessionResponse response;
  response.set_session_id("demo.7d1c.web");
  response.set_project_id("demo");
  response.set_status("active");
  response.set_payloads(4);
  response.set_highest_payload_id(4);
  response.set_stored_bytes(48 << 10);
  response.set_first_received_unix_ms(1714564800000);
  response.set_last_received_unix_ms(1714565052000);
  response.set_lifecycle("completed");
  response.set_last_activity_unix_ms(1714565052000);
  response.set_completed_at_unix_ms(1714565412000);
  response.set_reopened_count(1);
  response.set_expire_day("2024-05-31");
  response.set_kafka_retention_ms(604800000);
  response.set_kafka_records_until_unix_ms(1714565052000 + 604800000);
  v1::SessionSummary& summary = *response.mutable_summary();
  summary.set_payloads(4);
  summary.set_last_payload_id(4);
  summary.set_unparsed_payloads(1);
  summary.set_first_event_ms(1714564800000);
  summary.set_last_event_ms(1714565052000);
  summary.set_length_ms(252000);
  summary.set_active_ms(61500);
  summary.set_event_count(1234);
  for (uint64_t count : {0, 2, 2, 1180, 3, 47, 0, 0}) summary.add_events_by_type(count);
  summary.set_clicks(56);
  summary.set_rage_clicks(2);
  summary.set_errors(3);
  summary.set_console_errors(4);
  summary.set_console_warnings(1);
  summary.set_resources(80);
  summary.set_failed_resources(2);
  summary.set_landing_page("https://shop.example/");
  summary.set_exit_page("https://shop.example/cart");
  summary.set_pages_visited(3);
  response.add_pages("https://shop.example/");
  response.add_pages("https://shop.example/p/42");
  response.add_pages("https://shop.example/cart");
  return response;
}

TEST_F(CommandsTest, SessionsShowWithASummary) {
  client_.get_session.push_back(SummarizedSession());
  EXPECT_EQ(Run({"sessions", "show", "demo.7d1c.web"}), kExitOk);
  EXPECT_EQ(out_,
            "SESSION         demo.7d1c.web\n"
            "PROJECT         demo\n"
            "STATUS          completed\n"
            "INGESTION       active\n"
            "PAYLOADS        4 (highest payload id 4)\n"
            "GAPS            none\n"
            "STORED          48.0 KiB\n"
            "FIRST_RECEIVED  2024-05-01T12:00:00Z\n"
            "LAST_RECEIVED   2024-05-01T12:04:12Z\n"
            "KEPT_UNTIL      2024-05-31 (UTC; retention removes its rows after that day)\n"
            "KAFKA           Kafka holds its records until about 2024-05-08T12:04:12Z "
            "(retention 168h after the last)\n"
            "LAST_ACTIVITY   2024-05-01T12:04:12Z\n"
            "COMPLETED_AT    2024-05-01T12:10:12Z\n"
            "LENGTH          4m 12s\n"
            "ACTIVE          1m 1s\n"
            "EVENTS          1234 (load 2, full_snapshot 2, incremental 1180, meta 3, custom 47)\n"
            "CLICKS          56\n"
            "RAGE_CLICKS     2\n"
            "ERRORS          3\n"
            "CONSOLE         4 errors, 1 warning\n"
            "RESOURCES       80 (2 failed)\n"
            "LANDING_PAGE    https://shop.example/\n"
            "EXIT_PAGE       https://shop.example/cart\n"
            "PAGES_VISITED   3\n"
            "                1. https://shop.example/\n"
            "                2. https://shop.example/p/42\n"
            "                3. https://shop.example/cart\n"
            "UNPARSED        1 of 4 payloads\n"
            "REOPENED        1 time\n");
}

TEST_F(CommandsTest, SessionsShowSaysWhenPagesWereLeftOut) {
  v1::GetSessionResponse response = SummarizedSession();
  response.set_lifecycle("live");
  response.set_completed_at_unix_ms(0);
  response.set_reopened_count(0);
  response.set_pages_truncated(true);
  client_.get_session.push_back(response);
  EXPECT_EQ(Run({"sessions", "show", "demo.7d1c.web"}), kExitOk);
  EXPECT_THAT(out_, HasSubstr("STATUS          live\n"));
  EXPECT_THAT(out_, HasSubstr("COMPLETED_AT    -\n"));
  EXPECT_THAT(out_, HasSubstr("                3. https://shop.example/cart\n"
                              "                ... only the first 3 pages are listed\n"
                              "UNPARSED"));
  EXPECT_THAT(out_, HasSubstr("REOPENED        0 times\n"));
}

TEST_F(CommandsTest, SessionsShowOfALegacySessionHasNoSummaryRows) {
  v1::GetSessionResponse response;
  response.set_session_id("old.1");
  response.set_project_id("demo");
  response.set_status("active");
  response.set_payloads(2);
  response.set_highest_payload_id(2);
  response.set_stored_bytes(100);
  response.mutable_summary();  // present and empty, as the server sends it
  client_.get_session.push_back(response);
  EXPECT_EQ(Run({"sessions", "show", "old.1"}), kExitOk);
  EXPECT_EQ(out_,
            "SESSION         old.1\n"
            "PROJECT         demo\n"
            "STATUS          - (no summary: stored before session summaries)\n"
            "INGESTION       active\n"
            "PAYLOADS        2 (highest payload id 2)\n"
            "GAPS            none\n"
            "STORED          100 B\n"
            "FIRST_RECEIVED  -\n"
            "LAST_RECEIVED   -\n"
            "KEPT_UNTIL      -\n"
            "KAFKA           Kafka retention: unknown (broker-proxy could not read the topic's "
            "retention.ms)\n");
}

TEST_F(CommandsTest, SessionsShowKafkaRetentionWithoutAReceivedPayload) {
  v1::GetSessionResponse response;
  response.set_session_id("s.1");
  response.set_kafka_retention_ms(86400000);
  response.set_expire_day("2024-05-31");
  client_.get_session.push_back(response);
  EXPECT_EQ(Run({"sessions", "show", "s.1"}), kExitOk);
  EXPECT_THAT(out_,
              HasSubstr("KAFKA           Kafka retention: 24h (no payload of it was received)\n"));
}

TEST_F(CommandsTest, SessionsShowJsonCarriesTheSummary) {
  client_.get_session.push_back(SummarizedSession());
  EXPECT_EQ(Run({"sessions", "show", "demo.7d1c.web", "--json"}), kExitOk);
  EXPECT_THAT(out_, StartsWith("{\"session_id\":\"demo.7d1c.web\""));
  EXPECT_THAT(out_, HasSubstr("\"lifecycle\":\"completed\""));
  EXPECT_THAT(out_, HasSubstr("\"completed_at_unix_ms\":\"1714565412000\""));
  EXPECT_THAT(out_, HasSubstr("\"rage_clicks\":\"2\""));
  EXPECT_THAT(out_, HasSubstr("\"events_by_type\":[\"0\",\"2\",\"2\",\"1180\""));
  EXPECT_THAT(out_, HasSubstr("\"pages\":[\"https://shop.example/\",\"https://shop.example/p/42\""));
  EXPECT_THAT(out_, HasSubstr("\"pages_truncated\":false"));
  EXPECT_EQ(std::count(out_.begin(), out_.end(), '\n'), 1);
}

v1::SessionListItem Listed(const std::string& id, const std::string& lifecycle,
                           int64_t created_ms) {
  v1::SessionListItem item;
  item.set_session_id(id);
  item.set_project_id("demo");
  item.set_lifecycle(lifecycle);
  item.set_created_unix_ms(created_ms);
  item.set_payloads(4);
  if (!lifecycle.empty()) {
    item.set_last_activity_unix_ms(created_ms + 252000);
    item.set_length_ms(252000);
    item.set_active_ms(61500);
    item.set_clicks(56);
    item.set_rage_clicks(2);
    item.set_errors(3);
    item.set_landing_page("https://shop.example/");
    item.set_exit_page("https://shop.example/cart");
    item.set_pages_visited(3);
  }
  if (lifecycle == "completed") item.set_completed_unix_ms(created_ms + 612000);
  return item;
}

TEST_F(CommandsTest, SessionsListTableAndTheNextPage) {
  v1::ListSessionsResponse response;
  *response.add_sessions() = Listed("demo.b", "live", 1714564860000);
  *response.add_sessions() = Listed("demo.a", "completed", 1714564800000);
  *response.add_sessions() = Listed("demo.old", "", 1714500000000);
  response.set_next_page_token("c2wxfDE3MTQ1MDAwMDAwMDAwMDB8ZGVtby5vbGQ");
  client_.list_sessions.push_back(response);
  EXPECT_EQ(Run({"sessions", "list", "--project=demo", "--limit=3",
                 "--since=2024-04-30T00:00:00Z"}),
            kExitOk);
  EXPECT_EQ(out_,
            "SESSION   PROJECT  STATUS     CREATED               LAST_ACTIVITY         PAYLOADS  "
            "LENGTH  ACTIVE  CLICKS  RAGE  ERRORS  PAGES  LANDING_PAGE           EXIT_PAGE\n"
            "demo.b    demo     live       2024-05-01T12:01:00Z  2024-05-01T12:05:12Z         4  "
            "4m 12s   1m 1s      56     2       3      3  https://shop.example/  "
            "https://shop.example/cart\n"
            "demo.a    demo     completed  2024-05-01T12:00:00Z  2024-05-01T12:04:12Z         4  "
            "4m 12s   1m 1s      56     2       3      3  https://shop.example/  "
            "https://shop.example/cart\n"
            "demo.old  demo     legacy     2024-04-30T18:00:00Z  -                            4  "
            "     -       -       -     -       -      -  -                      -\n"
            "3 sessions; more: ingestctl sessions list --project=demo "
            "--since=2024-04-30T00:00:00Z --limit=3 "
            "--page_token=c2wxfDE3MTQ1MDAwMDAwMDAwMDB8ZGVtby5vbGQ\n");
  ASSERT_EQ(client_.list_sessions_requests.size(), 1u);
  EXPECT_EQ(client_.list_sessions_requests[0].project_id(), "demo");
  EXPECT_EQ(client_.list_sessions_requests[0].since_unix_ms(), 1714435200000);

  client_.list_sessions.front() = v1::ListSessionsResponse();
  EXPECT_EQ(Run({"sessions", "list"}), kExitOk);
  EXPECT_EQ(out_, "no sessions\n");
}

TEST_F(CommandsTest, SessionsListResolvesARelativeSinceAgainstTheClock) {
  client_.list_sessions.push_back(v1::ListSessionsResponse());
  EXPECT_EQ(Run({"sessions", "list", "--since=2h", "--status=live"}), kExitOk);
  ASSERT_EQ(client_.list_sessions_requests.size(), 1u);
  // CountingPacer's clock: 2024-05-01T12:00:00Z.
  EXPECT_EQ(client_.list_sessions_requests[0].since_unix_ms(), (1714564800 - 7200) * 1000LL);
  EXPECT_EQ(client_.list_sessions_requests[0].status(), "live");
}

TEST_F(CommandsTest, SessionsListHintQuotesAnUnusualProject) {
  v1::ListSessionsResponse response;
  *response.add_sessions() = Listed("demo.b", "live", 1714564860000);
  response.set_next_page_token("tok");
  client_.list_sessions.push_back(response);
  EXPECT_EQ(Run({"sessions", "list", "--project=it's mine", "--status=live"}), kExitOk);
  EXPECT_THAT(out_, HasSubstr("1 session; more: ingestctl sessions list --project='it'\\''s mine' "
                              "--status=live --page_token=tok\n"));
}

TEST_F(CommandsTest, SessionsListAllFollowsEveryPage) {
  v1::ListSessionsResponse first;
  *first.add_sessions() = Listed("demo.c", "live", 1714564920000);
  first.set_next_page_token("t1");
  v1::ListSessionsResponse second;
  *second.add_sessions() = Listed("demo.b", "live", 1714564860000);
  second.set_next_page_token("t2");
  v1::ListSessionsResponse last;
  *last.add_sessions() = Listed("demo.a", "completed", 1714564800000);
  client_.list_sessions = {first, second, last};
  EXPECT_EQ(Run({"sessions", "list", "--all", "--limit=1", "--since=1h"}), kExitOk);
  ASSERT_EQ(client_.list_sessions_requests.size(), 3u);
  EXPECT_EQ(client_.list_sessions_requests[0].page_token(), "");
  EXPECT_EQ(client_.list_sessions_requests[1].page_token(), "t1");
  EXPECT_EQ(client_.list_sessions_requests[2].page_token(), "t2");
  // Every page has the same bound.
  EXPECT_EQ(client_.list_sessions_requests[2].since_unix_ms(),
            client_.list_sessions_requests[0].since_unix_ms());
  EXPECT_EQ(client_.list_sessions_requests[2].limit(), 1);
  // One table of all of them, and no hint.
  EXPECT_THAT(out_, StartsWith("SESSION  PROJECT  STATUS"));
  EXPECT_LT(out_.find("demo.c"), out_.find("demo.b"));
  EXPECT_LT(out_.find("demo.b"), out_.find("demo.a"));
  EXPECT_THAT(out_, HasSubstr("\n3 sessions\n"));
  EXPECT_THAT(out_, Not(HasSubstr("more:")));
}

TEST_F(CommandsTest, SessionsListAllJsonPrintsALinePerPage) {
  v1::ListSessionsResponse first;
  *first.add_sessions() = Listed("demo.b", "live", 1714564860000);
  first.set_next_page_token("t1");
  v1::ListSessionsResponse last;
  *last.add_sessions() = Listed("demo.a", "completed", 1714564800000);
  client_.list_sessions = {first, last};
  EXPECT_EQ(Run({"sessions", "list", "--all", "--json"}), kExitOk);
  EXPECT_EQ(std::count(out_.begin(), out_.end(), '\n'), 2);
  EXPECT_THAT(out_, StartsWith("{\"sessions\":[{\"session_id\":\"demo.b\""));
  EXPECT_THAT(out_, HasSubstr("\"next_page_token\":\"t1\"}\n{\"sessions\":[{\"session_id\":\"demo.a\""));
  EXPECT_THAT(out_, HasSubstr("\"completed_unix_ms\":\"1714565412000\""));
}

TEST_F(CommandsTest, SessionsListAllStopsOnAnErrorAfterPrintingWhatItHas) {
  v1::ListSessionsResponse first;
  *first.add_sessions() = Listed("demo.b", "live", 1714564860000);
  first.set_next_page_token("t1");
  client_.list_sessions = {first, absl::InvalidArgumentError("page_token is not one this server issued")};
  EXPECT_EQ(Run({"sessions", "list", "--all"}), kExitError);
  EXPECT_THAT(out_, HasSubstr("demo.b"));
  EXPECT_THAT(err_, HasSubstr("ingestctl: sessions list: INVALID_ARGUMENT: page_token"));
}

TEST_F(CommandsTest, SessionsListAllStopsWhenTheTokenRepeats) {
  v1::ListSessionsResponse page;
  *page.add_sessions() = Listed("demo.b", "live", 1714564860000);
  page.set_next_page_token("same");
  client_.list_sessions = {page};  // repeated forever
  EXPECT_EQ(Run({"sessions", "list", "--all"}), kExitError);
  EXPECT_EQ(client_.list_sessions_requests.size(), 2u);
  EXPECT_THAT(err_, HasSubstr("same page token twice"));
}

// Two sessions as EraseSessions answers them: one with rows, one the
// database never stored (a tombstone only).
v1::EraseSessionsResponse Erasure(bool dry_run) {
  v1::EraseSessionsResponse response;
  v1::ErasedSession* stored = response.add_sessions();
  stored->set_session_id("demo.7d1c.web");
  stored->set_project_id("demo");
  stored->set_rows(9);
  stored->set_bytes(48 << 10);
  v1::ErasedSession* unknown = response.add_sessions();
  unknown->set_session_id("demo.gone");
  (*response.mutable_rows_by_table())["sessions"] = 1;
  (*response.mutable_rows_by_table())["session_payloads"] = 4;
  (*response.mutable_rows_by_table())["payload_facts"] = 4;
  (*response.mutable_rows_by_table())["metrics"] = 0;
  response.set_rows(9);
  response.set_bytes(48 << 10);
  response.set_erasure_id(dry_run ? 0 : 12);
  response.set_dry_run(dry_run);
  return response;
}

TEST_F(CommandsTest, SessionsDeleteDryRunListsWhatWouldGo) {
  client_.erase_sessions.push_back(Erasure(/*dry_run=*/true));
  EXPECT_EQ(Run({"sessions", "delete", "demo.7d1c.web", "demo.gone", "--dry-run"}), kExitOk);
  EXPECT_EQ(out_,
            "SESSION        PROJECT  ROWS     BYTES\n"
            "demo.7d1c.web  demo        9  48.0 KiB\n"
            "demo.gone      -           0       0 B\n"
            "\n"
            "TABLE             ROWS\n"
            "metrics              0\n"
            "payload_facts        4\n"
            "session_payloads     4\n"
            "sessions             1\n"
            "\n"
            "dry run: would erase 2 sessions, 9 rows, 48.0 KiB; nothing changed (run again "
            "without --dry-run to erase)\n"
            "1 session without rows (PROJECT -): only a tombstone would be left\n");
  ASSERT_EQ(client_.erase_sessions_requests.size(), 1u);
  const v1::EraseSessionsRequest& sent = client_.erase_sessions_requests[0];
  EXPECT_THAT(sent.session_ids(), ::testing::ElementsAre("demo.7d1c.web", "demo.gone"));
  EXPECT_TRUE(sent.dry_run());
}

TEST_F(CommandsTest, SessionsDeleteSaysTheErasureIdAndThatLateRecordsAreDropped) {
  client_.erase_sessions.push_back(Erasure(/*dry_run=*/false));
  EXPECT_EQ(Run({"sessions", "delete", "--project=demo", "--user=ada@example.com"}), kExitOk);
  EXPECT_THAT(out_, HasSubstr("erased 2 sessions, 9 rows, 48.0 KiB: erasure 12 (erasure_audit)\n"
                              "records of these sessions that arrive later (a late payload, a "
                              "replay, a DLQ redrive) are dropped, never stored\n"));
  EXPECT_THAT(out_, HasSubstr("Kafka keeps their records until the topic's retention removes "
                              "them\n"));
  EXPECT_THAT(out_, HasSubstr("only a tombstone was left"));
  const v1::EraseSessionsRequest& sent = client_.erase_sessions_requests.at(0);
  EXPECT_EQ(sent.project_id(), "demo");
  EXPECT_EQ(sent.user_identifier(), "ada@example.com");
  EXPECT_FALSE(sent.dry_run());
}

TEST_F(CommandsTest, SessionsDeleteOfAUserWithoutSessions) {
  v1::EraseSessionsResponse none;
  none.set_erasure_id(13);
  client_.erase_sessions.push_back(none);
  EXPECT_EQ(Run({"sessions", "delete", "--project=demo", "--user=nobody"}), kExitOk);
  EXPECT_EQ(out_,
            "no session of that user in project demo: nothing to erase (the request is recorded "
            "as erasure 13)\n");
}

TEST_F(CommandsTest, SessionsDeleteJsonAndErrors) {
  client_.erase_sessions.push_back(Erasure(/*dry_run=*/false));
  EXPECT_EQ(Run({"sessions", "delete", "demo.gone", "--json"}), kExitOk);
  EXPECT_THAT(out_, StartsWith("{\"sessions\":[{\"session_id\":\"demo.7d1c.web\""));
  EXPECT_THAT(out_, HasSubstr("\"erasure_id\":\"12\""));

  client_.erase_sessions.front() = absl::InvalidArgumentError(
      "at most 1000 session ids per erasure (1001 given): split the list");
  EXPECT_EQ(Run({"sessions", "delete", "a"}), kExitError);
  EXPECT_EQ(err_,
            "ingestctl: sessions delete: INVALID_ARGUMENT: at most 1000 session ids per erasure "
            "(1001 given): split the list\n");
  client_.erase_sessions.front() = absl::DeadlineExceededError("Deadline Exceeded");
  EXPECT_EQ(Run({"sessions", "delete", "a"}), kExitError);
  EXPECT_THAT(err_, HasSubstr("hint: no answer within --timeout=2m; broker-proxy may still "
                              "complete the erasure: run the same delete with --dry-run"));
}

v1::EnforceRetentionResponse Enforcement(bool dry_run) {
  v1::EnforceRetentionResponse response;
  response.set_today("2026-03-10");
  for (const char* table : {"session_payloads", "payload_facts"}) {
    v1::RetentionPartition* partition = response.add_partitions();
    partition->set_table(table);
    partition->set_name(absl::StrCat(table, "_p20260308"));
    partition->set_day("2026-03-08");
    partition->set_bytes(std::string(table) == "payload_facts" ? 4096 : int64_t{3} << 30);
  }
  response.set_bytes_dropped((int64_t{3} << 30) + 4096);
  response.set_sessions_deleted(3);
  (*response.mutable_rows_by_table())["sessions"] = 3;
  (*response.mutable_rows_by_table())["session_feedback"] = 2;
  response.set_rows_deleted(5);
  response.set_dry_run(dry_run);
  if (!dry_run) {
    response.set_partitions_created(16);
    response.add_partitions_skipped("session_payloads_p20260409");
    response.set_run_id(7);
  }
  return response;
}

TEST_F(CommandsTest, RetentionEnforcePrintsWhatWentAndTheRun) {
  client_.enforce_retention.push_back(Enforcement(/*dry_run=*/false));
  EXPECT_EQ(Run({"retention", "enforce"}), kExitOk);
  EXPECT_EQ(out_,
            "today 2026-03-10 (UTC): the day partitions of earlier days have expired\n"
            "TABLE             PARTITION                   DAY            SIZE\n"
            "session_payloads  session_payloads_p20260308  2026-03-08  3.0 GiB\n"
            "payload_facts     payload_facts_p20260308     2026-03-08  4.0 KiB\n"
            "dropped 2 partitions (3.0 GiB)\n"
            "deleted 3 expired sessions and 5 rows in batches\n"
            "TABLE             ROWS\n"
            "session_feedback     2\n"
            "sessions             3\n"
            "partitions ahead: 16 created\n"
            "not created (the default partition holds rows of their day; those expire with "
            "their sessions): session_payloads_p20260409\n"
            "run 7 (retention_runs)\n");
  EXPECT_FALSE(client_.enforce_retention_requests.at(0).dry_run());
  EXPECT_EQ(invocation_.global.timeout, absl::Minutes(10));
}

TEST_F(CommandsTest, RetentionEnforceDryRun) {
  v1::EnforceRetentionResponse nothing;
  nothing.set_today("2026-03-10");
  nothing.set_dry_run(true);
  (*nothing.mutable_rows_by_table())["metrics"] = 0;
  client_.enforce_retention.push_back(nothing);
  EXPECT_EQ(Run({"retention", "enforce", "--dry-run"}), kExitOk);
  EXPECT_EQ(out_,
            "today 2026-03-10 (UTC): the day partitions of earlier days have expired\n"
            "no day partition has expired\n"
            "would delete 0 expired sessions and 0 rows in batches\n"
            "dry run: nothing changed (run again without --dry-run to enforce)\n");
  EXPECT_TRUE(client_.enforce_retention_requests.at(0).dry_run());

  client_.enforce_retention.front() = Enforcement(/*dry_run=*/true);
  EXPECT_EQ(Run({"retention", "enforce", "--dry-run"}), kExitOk);
  EXPECT_THAT(out_, HasSubstr("would drop 2 partitions (3.0 GiB)\n"
                              "would delete 3 expired sessions and 5 rows in batches\n"));
  EXPECT_THAT(out_, Not(HasSubstr("partitions ahead")));
}

TEST_F(CommandsTest, RetentionEnforceAlreadyRunningAndTimeouts) {
  v1::EnforceRetentionResponse busy = Enforcement(/*dry_run=*/false);
  busy.set_partitions_busy(true);
  busy.clear_partitions_skipped();
  client_.enforce_retention.push_back(busy);
  EXPECT_EQ(Run({"retention", "enforce"}), kExitOk);
  EXPECT_THAT(out_, HasSubstr("partitions ahead: another maintainer (a worker) was creating "
                              "them; this run created none\n"));

  client_.enforce_retention.front() = absl::AbortedError(
      "an enforcement is already running in this broker-proxy (started by alice 12s ago)");
  EXPECT_EQ(Run({"retention", "enforce"}), kExitError);
  EXPECT_THAT(err_, HasSubstr("retention enforce: ABORTED: an enforcement is already running"));
  client_.enforce_retention.front() = absl::DeadlineExceededError("Deadline Exceeded");
  EXPECT_EQ(Run({"retention", "enforce", "--timeout=30s"}), kExitError);
  EXPECT_THAT(err_, HasSubstr("hint: no answer within --timeout=30s; the run goes on in "
                              "broker-proxy"));
}

TEST_F(CommandsTest, EveryCommandReportsUnimplementedWithExitOne) {
  for (std::vector<std::string> args :
       std::vector<std::vector<std::string>>{{"topics", "ensure"},
                                             {"topics", "describe"},
                                             {"lag"},
                                             {"dlq", "list"},
                                             {"dlq", "redrive", "s"},
                                             {"replay", "s"},
                                             {"offsets", "reset", "--to=earliest", "--dry_run"},
                                             {"sessions", "show", "s"},
                                             {"sessions", "list"},
                                             {"sessions", "list", "--all"},
                                             {"sessions", "delete", "s"},
                                             {"retention", "enforce"}}) {
    EXPECT_EQ(Run(args), kExitError) << args[0];
    EXPECT_THAT(err_, HasSubstr(": UNIMPLEMENTED: ")) << args[0];
    EXPECT_THAT(out_, Not(HasSubstr("{")));
  }
}

}  // namespace
}  // namespace ingest::ingestctl
