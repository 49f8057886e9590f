#include "services/broker_proxy/retention_admin.h"

#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "services/broker_proxy/broker_proxy_metrics.h"
#include "services/broker_proxy/fake_retention_database.h"

namespace ingest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

constexpr absl::Duration kWait = absl::Seconds(30);

class RetentionAdminTest : public ::testing::Test {
 protected:
  // The value of the unlabelled series `name`; -1 when it is missing.
  double Metric(const std::string& name) {
    for (const prometheus::MetricFamily& family : registry_.Collect()) {
      if (family.name != name || family.metric.empty()) continue;
      const prometheus::ClientMetric& metric = family.metric.front();
      return family.type == prometheus::MetricType::Gauge ? metric.gauge.value
                                                          : metric.counter.value;
    }
    return -1;
  }

  static ErasureResult TwoSessions() {
    ErasureResult result;
    result.sessions = {{"p.s1", "p", 5, 300}, {"p.gone", "", 0, 0}};
    result.rows_by_table = {{"session_payloads", 3}, {"sessions", 1}, {"payload_facts", 1}};
    result.rows = 5;
    result.bytes = 300;
    return result;
  }

  static EnforcementReport Report() {
    EnforcementReport report;
    report.today = absl::CivilDay(2026, 3, 10);
    report.partitions = {
        {"session_payloads", "session_payloads_p20260308", absl::CivilDay(2026, 3, 8), 8192},
        {"payload_facts", "payload_facts_p20260308", absl::CivilDay(2026, 3, 8), 4096}};
    report.bytes_dropped = 12288;
    report.sessions_deleted = 3;
    report.rows_by_table = {{"sessions", 3}, {"session_feedback", 2}};
    report.rows_deleted = 5;
    report.ensured.created = 16;
    report.ensured.skipped = {"session_payloads_p20260409"};
    return report;
  }

  prometheus::Registry registry_;
  BrokerProxyMetrics metrics_{registry_};
  FakeRetentionDatabase database_;
  RetentionAdmin admin_{RetentionAdminOptions{.legacy_retention_days = 45,
                                              .lookahead_days = 3,
                                              .lock_timeout = absl::Milliseconds(750)},
                        &database_, &metrics_};
};

// ---------------------------------------------------------------------------
// EraseSessions

TEST_F(RetentionAdminTest, ErasesSessionsByIdAsTheOperator) {
  database_.SetErasure(TwoSessions());
  v1::EraseSessionsRequest request;
  request.add_session_ids("p.s1");
  request.add_session_ids("p.gone");

  auto response = admin_.EraseSessions(request, "alice");

  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(response->sessions_size(), 2);
  EXPECT_EQ(response->sessions(0).session_id(), "p.s1");
  EXPECT_EQ(response->sessions(0).project_id(), "p");
  EXPECT_EQ(response->sessions(0).rows(), 5);
  EXPECT_EQ(response->sessions(0).bytes(), 300);
  EXPECT_EQ(response->sessions(1).project_id(), "");
  EXPECT_THAT(response->rows_by_table(),
              UnorderedElementsAre(Pair("session_payloads", 3), Pair("sessions", 1),
                                   Pair("payload_facts", 1)));
  EXPECT_EQ(response->rows(), 5);
  EXPECT_EQ(response->bytes(), 300);
  EXPECT_EQ(response->erasure_id(), 1);
  EXPECT_FALSE(response->dry_run());
  const std::vector<ErasureRequest> asked = database_.erasures();
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_THAT(asked[0].session_ids, ElementsAre("p.s1", "p.gone"));
  EXPECT_EQ(asked[0].requested_by, "alice");
  EXPECT_FALSE(asked[0].dry_run);
  EXPECT_EQ(Metric("ingest_broker_proxy_erasures_total"), 1);
  EXPECT_EQ(Metric("ingest_broker_proxy_sessions_erased_total"), 2);
}

TEST_F(RetentionAdminTest, ErasesAUsersSessionsAndADryRunCountsNothingInTheMetrics) {
  database_.SetErasure(TwoSessions());
  v1::EraseSessionsRequest request;
  request.set_project_id("p");
  request.set_user_identifier("ada@example.com");
  request.set_dry_run(true);

  auto response = admin_.EraseSessions(request, "token:0a1b2c3d");

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_TRUE(response->dry_run());
  EXPECT_EQ(response->erasure_id(), 0);
  EXPECT_EQ(response->sessions_size(), 2);
  const std::vector<ErasureRequest> asked = database_.erasures();
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_THAT(asked[0].session_ids, IsEmpty());
  EXPECT_EQ(asked[0].project_id, "p");
  EXPECT_EQ(asked[0].user_identifier, "ada@example.com");
  EXPECT_EQ(asked[0].requested_by, "token:0a1b2c3d");
  EXPECT_TRUE(asked[0].dry_run);
  EXPECT_EQ(Metric("ingest_broker_proxy_erasures_total"), 0);
  EXPECT_EQ(Metric("ingest_broker_proxy_sessions_erased_total"), 0);
}

TEST_F(RetentionAdminTest, AnErasureNamingNeitherOrBothIsRefusedSayingWhatToWrite) {
  const auto refused = [&](const v1::EraseSessionsRequest& request) {
    absl::StatusOr<v1::EraseSessionsResponse> response = admin_.EraseSessions(request, "alice");
    EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
    return std::string(response.status().message());
  };
  v1::EraseSessionsRequest request;
  EXPECT_THAT(refused(request), HasSubstr("ingestctl sessions delete ID [ID...]"));
  request.add_session_ids("p.s1");
  request.set_project_id("p");
  EXPECT_THAT(refused(request), HasSubstr("not both"));
  request.clear_session_ids();
  EXPECT_THAT(refused(request), HasSubstr("(user_identifier is empty): ingestctl sessions delete "
                                          "--project=P --user=IDENTIFIER"));
  request.clear_project_id();
  request.set_user_identifier("ada");
  EXPECT_THAT(refused(request), HasSubstr("(project_id is empty)"));

  request.clear_user_identifier();
  request.add_session_ids("p.s1");
  request.add_session_ids("bad id!");
  EXPECT_THAT(refused(request), HasSubstr("session id 'bad id!': session id is malformed"));
  request.clear_session_ids();
  for (int i = 0; i <= kMaxErasureSessionIds; ++i) request.add_session_ids(absl::StrCat("s", i));
  EXPECT_THAT(refused(request), HasSubstr("at most 1000 session ids per erasure (1001 given)"));
  EXPECT_THAT(database_.erasures(), IsEmpty());
}

TEST_F(RetentionAdminTest, ErasureErrorsPassThroughAndATimeoutSaysWhatToDo) {
  v1::EraseSessionsRequest request;
  request.add_session_ids("p.s1");
  database_.Fail(absl::UnavailableError("PostgreSQL (the worker's database): refused"));
  EXPECT_EQ(admin_.EraseSessions(request, "alice").status().code(), absl::StatusCode::kUnavailable);
  database_.Fail(absl::DeadlineExceededError("canceling statement due to statement timeout"));
  auto slow = admin_.EraseSessions(request, "alice");
  EXPECT_EQ(slow.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(slow.status().message(), HasSubstr("erase fewer sessions at a time"));
  EXPECT_EQ(Metric("ingest_broker_proxy_erasures_total"), 0);
}

TEST(RetentionAdminWithoutDatabaseTest, BothRpcsAreUnavailableNamingTheFlag) {
  RetentionAdmin admin(RetentionAdminOptions{}, nullptr, nullptr);
  v1::EraseSessionsRequest erase;
  erase.add_session_ids("p.s1");
  auto erased = admin.EraseSessions(erase, "alice");
  EXPECT_EQ(erased.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(erased.status().message(), HasSubstr("--pg_dsn"));
  auto enforced = admin.EnforceRetention({}, "alice");
  EXPECT_EQ(enforced.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(enforced.status().message(), HasSubstr("--pg_dsn"));
  admin.RefreshLastSuccess();  // nothing to read from
  EXPECT_TRUE(admin.AwaitLastSuccessRead(absl::ZeroDuration()));
}

// ---------------------------------------------------------------------------
// EnforceRetention

TEST_F(RetentionAdminTest, EnforcesWithTheFlagsAndReportsWhatWent) {
  database_.SetReport(Report());
  const absl::Time before = absl::Now();

  auto response = admin_.EnforceRetention({}, "alice");

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->today(), "2026-03-10");
  ASSERT_EQ(response->partitions_size(), 2);
  EXPECT_EQ(response->partitions(0).table(), "session_payloads");
  EXPECT_EQ(response->partitions(0).name(), "session_payloads_p20260308");
  EXPECT_EQ(response->partitions(0).day(), "2026-03-08");
  EXPECT_EQ(response->partitions(0).bytes(), 8192);
  EXPECT_EQ(response->bytes_dropped(), 12288);
  EXPECT_EQ(response->sessions_deleted(), 3);
  EXPECT_THAT(response->rows_by_table(),
              UnorderedElementsAre(Pair("sessions", 3), Pair("session_feedback", 2)));
  EXPECT_EQ(response->rows_deleted(), 5);
  EXPECT_EQ(response->partitions_created(), 16);
  EXPECT_THAT(response->partitions_skipped(), ElementsAre("session_payloads_p20260409"));
  EXPECT_FALSE(response->partitions_busy());
  EXPECT_EQ(response->run_id(), 1);
  EXPECT_FALSE(response->dry_run());

  const std::vector<EnforcementOptions> asked = database_.enforcements();
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].requested_by, "alice");
  EXPECT_FALSE(asked[0].dry_run);
  EXPECT_EQ(asked[0].legacy_retention_days, 45);
  EXPECT_EQ(asked[0].lookahead_days, 3);
  EXPECT_EQ(asked[0].lock_timeout, absl::Milliseconds(750));
  EXPECT_FALSE(asked[0].today.has_value());  // the database's today

  EXPECT_EQ(Metric("ingest_broker_proxy_retention_partitions_dropped_total"), 2);
  EXPECT_EQ(Metric("ingest_broker_proxy_retention_bytes_dropped_total"), 12288);
  EXPECT_EQ(Metric("ingest_broker_proxy_retention_sessions_deleted_total"), 3);
  EXPECT_EQ(Metric("ingest_broker_proxy_retention_rows_deleted_total"), 5);
  EXPECT_GE(Metric("ingest_broker_proxy_retention_last_success_timestamp_seconds"),
            absl::ToDoubleSeconds(before - absl::UnixEpoch()));
}

TEST_F(RetentionAdminTest, ADryRunChangesNoMetric) {
  database_.SetReport(Report());
  v1::EnforceRetentionRequest request;
  request.set_dry_run(true);
  auto response = admin_.EnforceRetention(request, "alice");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_TRUE(response->dry_run());
  EXPECT_EQ(response->run_id(), 0);
  EXPECT_TRUE(database_.enforcements().at(0).dry_run);
  EXPECT_EQ(Metric("ingest_broker_proxy_retention_partitions_dropped_total"), 0);
  EXPECT_EQ(Metric("ingest_broker_proxy_retention_rows_deleted_total"), 0);
  EXPECT_EQ(Metric("ingest_broker_proxy_retention_last_success_timestamp_seconds"), 0);
}

TEST_F(RetentionAdminTest, AFailedRunChangesNoMetricAndLetsTheNextOneRun) {
  database_.Fail(absl::UnavailableError("could not drop session_payloads_p20260308"));
  auto failed = admin_.EnforceRetention({}, "alice");
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Metric("ingest_broker_proxy_retention_last_success_timestamp_seconds"), 0);
  database_.Fail(absl::OkStatus());
  EXPECT_TRUE(admin_.EnforceRetention({}, "alice").ok());
}

TEST_F(RetentionAdminTest, AsOfIsRefusedUnlessAllowedThenEnforcesAsOfThatDay) {
  database_.SetReport(Report());
  v1::EnforceRetentionRequest request;
  request.set_as_of("2026-12-09");
  auto refused = admin_.EnforceRetention(request, "alice");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("--allow_retention_as_of"), std::string::npos);
  EXPECT_TRUE(database_.enforcements().empty()) << "nothing ran";

  RetentionAdmin allowing(RetentionAdminOptions{.allow_as_of = true}, &database_, &metrics_);
  ASSERT_TRUE(allowing.EnforceRetention(request, "alice").ok());
  ASSERT_EQ(database_.enforcements().size(), 1u);
  EXPECT_EQ(database_.enforcements()[0].today, absl::CivilDay(2026, 12, 9));
  request.set_as_of("next tuesday");
  EXPECT_EQ(allowing.EnforceRetention(request, "alice").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(allowing.EnforceRetention({}, "alice").ok()) << "a refusal leaves no run going";
}

TEST_F(RetentionAdminTest, AnIncompleteRunCountsWhatItRemovedButIsNoSuccess) {
  EnforcementReport report = Report();
  report.incomplete = "could not drop the partitions of 2026-03-09 (session_payloads_p20260309)";
  database_.SetReport(report);
  auto response = admin_.EnforceRetention({}, "alice");
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(response.status().message().find("session_payloads_p20260309"), std::string::npos);
  EXPECT_NE(response.status().message().find("dropped 2 partitions"), std::string::npos)
      << response.status();
  EXPECT_EQ(Metric("ingest_broker_proxy_retention_partitions_dropped_total"), 2);
  EXPECT_EQ(Metric("ingest_broker_proxy_retention_last_success_timestamp_seconds"), 0);
}

TEST_F(RetentionAdminTest, OneEnforcementAtATimeTheSecondIsAbortedNamingTheFirst) {
  database_.Hold();
  absl::StatusOr<v1::EnforceRetentionResponse> first;
  std::thread running([&] { first = admin_.EnforceRetention({}, "alice"); });
  ASSERT_TRUE(database_.AwaitHeldEnforcement(kWait));

  v1::EnforceRetentionRequest dry;
  dry.set_dry_run(true);
  auto second = admin_.EnforceRetention(dry, "bob");
  EXPECT_EQ(second.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(second.status().message(),
              HasSubstr("an enforcement is already running in this broker-proxy (started by "
                        "alice"));
  EXPECT_THAT(second.status().message(), HasSubstr("running it again afterwards is safe"));
  // Erasures are not held up by it.
  v1::EraseSessionsRequest erase;
  erase.add_session_ids("p.s1");
  EXPECT_TRUE(admin_.EraseSessions(erase, "bob").ok());

  database_.Release();
  running.join();
  EXPECT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(database_.enforcements().size(), 1u);
  EXPECT_TRUE(admin_.EnforceRetention({}, "bob").ok());
}

// ---------------------------------------------------------------------------
// When retention last succeeded

TEST_F(RetentionAdminTest, TheLastSuccessIsReadOnceFromTheDatabase) {
  database_.SetLastEnforcement(std::optional<absl::Time>(absl::FromUnixSeconds(1767225600)));
  admin_.RefreshLastSuccess();
  ASSERT_TRUE(admin_.AwaitLastSuccessRead(kWait));
  EXPECT_EQ(Metric("ingest_broker_proxy_retention_last_success_timestamp_seconds"), 1767225600);
  admin_.RefreshLastSuccess();  // known now: not read again
  ASSERT_TRUE(admin_.AwaitLastSuccessRead(kWait));
  EXPECT_EQ(database_.last_enforcement_reads(), 1);
}

TEST_F(RetentionAdminTest, AnUnreadableLastSuccessStaysZeroAndIsReadAgainAtTheNextRefresh) {
  database_.SetLastEnforcement(absl::UnavailableError("PostgreSQL: connection refused"));
  admin_.RefreshLastSuccess();
  ASSERT_TRUE(admin_.AwaitLastSuccessRead(kWait));
  EXPECT_EQ(Metric("ingest_broker_proxy_retention_last_success_timestamp_seconds"), 0);
  EXPECT_EQ(database_.last_enforcement_reads(), 1);

  database_.SetLastEnforcement(std::optional<absl::Time>(absl::FromUnixSeconds(1767225600)));
  admin_.RefreshLastSuccess();
  ASSERT_TRUE(admin_.AwaitLastSuccessRead(kWait));
  EXPECT_EQ(database_.last_enforcement_reads(), 2);
  EXPECT_EQ(Metric("ingest_broker_proxy_retention_last_success_timestamp_seconds"), 1767225600);
}

TEST_F(RetentionAdminTest, NoRunYetLeavesZeroAndAsksNoMore) {
  admin_.RefreshLastSuccess();  // the fake answers "no run"
  ASSERT_TRUE(admin_.AwaitLastSuccessRead(kWait));
  admin_.RefreshLastSuccess();
  ASSERT_TRUE(admin_.AwaitLastSuccessRead(kWait));
  EXPECT_EQ(database_.last_enforcement_reads(), 1);
  EXPECT_EQ(Metric("ingest_broker_proxy_retention_last_success_timestamp_seconds"), 0);
}

TEST_F(RetentionAdminTest, ARunMakesTheLastSuccessKnownWithoutReadingIt) {
  database_.SetLastEnforcement(absl::UnavailableError("down"));
  ASSERT_TRUE(admin_.EnforceRetention({}, "alice").ok());
  const double after_run = Metric("ingest_broker_proxy_retention_last_success_timestamp_seconds");
  EXPECT_GT(after_run, 0);
  admin_.RefreshLastSuccess();
  ASSERT_TRUE(admin_.AwaitLastSuccessRead(kWait));
  EXPECT_EQ(database_.last_enforcement_reads(), 0);
  EXPECT_EQ(Metric("ingest_broker_proxy_retention_last_success_timestamp_seconds"), after_run);
}

TEST(RetentionAdminOptionsTest, RangesNameTheFlag) {
  EXPECT_TRUE(ValidateRetentionAdminOptions({}).ok());
  const auto error = [](RetentionAdminOptions options) {
    absl::Status status = ValidateRetentionAdminOptions(options);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    return std::string(status.message());
  };
  EXPECT_THAT(error({.legacy_retention_days = 0}),
              HasSubstr("--legacy_retention_days must be 1 to 3650"));
  EXPECT_THAT(error({.legacy_retention_days = 3651}), HasSubstr("not 3651"));
  EXPECT_THAT(error({.lookahead_days = 0}),
              HasSubstr("--partition_lookahead_days must be 1 to 365"));
  EXPECT_THAT(error({.lookahead_days = 366}), HasSubstr("not 366"));
  EXPECT_THAT(error({.lock_timeout = absl::ZeroDuration()}),
              HasSubstr("--retention_lock_timeout must be 1ms to 1m"));
  EXPECT_THAT(error({.lock_timeout = absl::Minutes(2)}), HasSubstr("not 2m"));
  EXPECT_TRUE(
      ValidateRetentionAdminOptions(
          {.legacy_retention_days = 3650, .lookahead_days = 365, .lock_timeout = absl::Minutes(1)})
          .ok());
}

}  // namespace
}  // namespace ingest
