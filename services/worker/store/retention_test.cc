// Retention and erasure end to end in PostgreSQL: what the worker's store
// writes (session gate, day partitions) and what EnforceRetention and
// EraseSessions (services/common/retention) take away. Needs $PG_DSN.

#include <atomic>
#include <cstdlib>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/codec/task_codec.h"
#include "services/common/pg/testing/migrated_database_test.h"
#include "services/common/retention/day_partitions.h"
#include "services/common/retention/expire_day.h"
#include "services/common/retention/retention_enforcer.h"
#include "services/common/retention/session_eraser.h"
#include "services/worker/store/pg_task_store.h"

namespace ingest {
namespace {

constexpr char kTopic[] = "ingest.tasks";

// A record as a gateway of issue 21 produces it: received now, stamped with
// its project's retention.
TaskRecord Typed(int64_t offset, const std::string& project, const std::string& session,
                 int retention_days, v1::TaskType type) {
  TaskRecord record;
  record.offset = offset;
  record.task.set_schema_version(kTaskSchemaVersion);
  record.task.set_type(type);
  record.task.set_project_id(project);
  record.task.set_session_id(session);
  record.task.set_retention_days(static_cast<uint32_t>(retention_days));
  SetReceivedAt(absl::Now(), &record.task);
  return record;
}

TaskRecord Payload(int64_t offset, const std::string& project, const std::string& session,
                   int retention_days, uint64_t payload_id) {
  TaskRecord record = Typed(offset, project, session, retention_days, v1::TASK_TYPE_PUSH_PAYLOAD);
  record.task.set_payload_id(payload_id);
  record.task.set_chunk_count(1);
  record.task.mutable_payload()->mutable_content()->set_events(
      absl::StrCat("[events ", payload_id, " of ", session, "]"));
  return record;
}

TaskRecord Identify(int64_t offset, const std::string& project, const std::string& session,
                    int retention_days, const std::string& user) {
  TaskRecord record =
      Typed(offset, project, session, retention_days, v1::TASK_TYPE_IDENTIFY_SESSION);
  record.task.mutable_identify()->set_user_identifier(user);
  return record;
}

// Every kind of row a session has: the session, payloads and their facts,
// feedback, a backend error, a metric.
std::vector<TaskRecord> SessionRecords(int64_t first_offset, const std::string& project,
                                       const std::string& session, int retention_days) {
  std::vector<TaskRecord> records;
  int64_t offset = first_offset;
  records.push_back(
      Typed(offset++, project, session, retention_days, v1::TASK_TYPE_INITIALIZE_SESSION));
  records.push_back(Payload(offset++, project, session, retention_days, 1));
  records.push_back(Payload(offset++, project, session, retention_days, 2));
  TaskRecord feedback =
      Typed(offset++, project, session, retention_days, v1::TASK_TYPE_ADD_SESSION_FEEDBACK);
  feedback.task.mutable_feedback()->set_verbatim("it works");
  records.push_back(feedback);
  TaskRecord errors =
      Typed(offset++, project, session, retention_days, v1::TASK_TYPE_PUSH_BACKEND_ERRORS);
  v1::BackendError* error = errors.task.mutable_backend_errors()->add_errors();
  error->set_session_id(session);
  error->set_event("boom");
  records.push_back(errors);
  TaskRecord metrics =
      Typed(offset++, project, session, retention_days, v1::TASK_TYPE_PUSH_METRICS);
  v1::Metric* metric = metrics.task.mutable_metrics()->add_metrics();
  metric->set_session_id(session);
  metric->set_name("lcp");
  metric->set_value(1.5);
  records.push_back(metrics);
  return records;
}

// The tables a session's rows live in, as EraseSessions names them.
constexpr const char* kSessionTables[] = {"sessions",         "session_payloads", "payload_facts",
                                          "session_feedback", "backend_errors",   "metrics"};

class RetentionTest : public MigratedDatabaseTest {
 protected:
  void SetUp() override {
    MigratedDatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    store_ = CreatePgTaskStore({.dsn = database_->dsn(), .default_retention_days = 30});
    auto today = DatabaseToday(*db_);
    ASSERT_TRUE(today.ok()) << today.status();
    today_ = *today;
  }

  absl::StatusOr<PersistOutcome> Persist(int32_t partition, std::vector<TaskRecord> records) {
    const int64_t next = records.empty() ? 0 : records.back().offset + 1;
    std::vector<PartitionBatch> batches = {PartitionBatch{partition, std::move(records), next}};
    return store_->PersistBatches(kTopic, batches,
                                  [](absl::Span<const DeadLetter>) { return absl::OkStatus(); });
  }

  std::string One(const std::string& sql) {
    auto result = db_->Query(sql, {});
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() && PQntuples(result->get()) > 0 ? PQgetvalue(result->get(), 0, 0) : "";
  }

  // "sessions=1 session_payloads=2 ..." for one session.
  std::string RowsOf(const std::string& session) {
    std::string rows;
    for (const char* table : kSessionTables) {
      absl::StrAppend(
          &rows, rows.empty() ? "" : " ", table, "=",
          One(absl::StrCat("SELECT count(*) FROM ", table, " WHERE session_id = '", session, "'")));
    }
    return rows;
  }

  static std::string AllRows() {
    return "sessions=1 session_payloads=2 payload_facts=2 session_feedback=1 backend_errors=1 "
           "metrics=1";
  }
  static std::string NoRows() {
    return "sessions=0 session_payloads=0 payload_facts=0 session_feedback=0 backend_errors=0 "
           "metrics=0";
  }

  // Where the session's payload rows are.
  std::string PartitionOf(const std::string& session) {
    return One(
        absl::StrCat("SELECT string_agg(DISTINCT tableoid::regclass::text, ',') "
                     "FROM session_payloads WHERE session_id = '",
                     session, "'"));
  }

  void EnsurePartitionsFor(std::vector<int> retentions) {
    for (int retention : retentions) {
      auto ensured = store_->EnsureDayPartitions(1, retention);
      ASSERT_TRUE(ensured.ok()) << ensured.status();
    }
  }

  absl::StatusOr<EnforcementReport> Enforce(absl::CivilDay today, bool dry_run = false) {
    return EnforceRetention(*db_, {.dry_run = dry_run,
                                   .requested_by = "retention-test",
                                   .first_backoff = absl::Milliseconds(10),
                                   .today = today});
  }

  std::unique_ptr<TaskStore> store_;
  absl::CivilDay today_;
};

TEST_F(RetentionTest, EachSessionsRowsLandInThePartitionOfItsDay) {
  EnsurePartitionsFor({1, 5});
  ASSERT_TRUE(Persist(0, SessionRecords(0, "short", "a1", 1)).ok());
  ASSERT_TRUE(Persist(1, SessionRecords(0, "long", "b1", 5)).ok());
  EXPECT_EQ(PartitionOf("a1"), DayPartitionName("session_payloads", today_ + 1));
  EXPECT_EQ(PartitionOf("b1"), DayPartitionName("session_payloads", today_ + 5));
  EXPECT_EQ(One("SELECT expire_day FROM sessions WHERE session_id = 'b1'"),
            ExpireDay::OnDay(today_ + 5).ToString());
  EXPECT_EQ(One("SELECT count(*) FROM payload_facts_default"), "0");
  EXPECT_EQ(RowsOf("a1"), AllRows());
}

TEST_F(RetentionTest, EnforcementDropsExactlyTheExpiredSessionsAcrossProjects) {
  EnsurePartitionsFor({1, 5, 30});
  ASSERT_TRUE(Persist(0, SessionRecords(0, "short", "a1", 1)).ok());
  ASSERT_TRUE(Persist(0, SessionRecords(6, "short", "a2", 1)).ok());
  ASSERT_TRUE(Persist(1, SessionRecords(0, "medium", "b1", 5)).ok());
  ASSERT_TRUE(Persist(2, SessionRecords(0, "long", "c1", 30)).ok());

  // Two days on, "short" (1 day) has expired; the others have not.
  auto dry = Enforce(today_ + 2, /*dry_run=*/true);
  ASSERT_TRUE(dry.ok()) << dry.status();
  ASSERT_EQ(dry->partitions.size(), 2u) << "session_payloads and payload_facts of day +1";
  EXPECT_EQ(dry->partitions[0].day, today_ + 1);
  EXPECT_EQ(dry->sessions_deleted, 2);
  EXPECT_EQ(dry->run_id, 0);
  EXPECT_EQ(RowsOf("a1"), AllRows()) << "a dry run changes nothing";

  auto report = Enforce(today_ + 2);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->incomplete, "");
  EXPECT_EQ(report->rows_deleted, dry->rows_deleted) << "the dry run predicted the run";
  EXPECT_EQ(report->rows_by_table, dry->rows_by_table);
  EXPECT_EQ(report->partitions.size(), 2u);
  EXPECT_GT(report->bytes_dropped, 0);
  EXPECT_EQ(report->sessions_deleted, 2);
  EXPECT_GT(report->run_id, 0);
  EXPECT_EQ(RowsOf("a1"), NoRows());
  EXPECT_EQ(RowsOf("a2"), NoRows());
  EXPECT_EQ(RowsOf("b1"), AllRows());
  EXPECT_EQ(RowsOf("c1"), AllRows());
  EXPECT_EQ(One(absl::StrCat("SELECT to_regclass('",
                             DayPartitionName("session_payloads", today_ + 1), "') IS NULL")),
            "t");
  EXPECT_EQ(One("SELECT partitions_dropped || ' ' || sessions_deleted FROM retention_runs"), "2 2");

  // Idempotent: the same day again removes nothing more.
  auto again = Enforce(today_ + 2);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->partitions.empty());
  EXPECT_EQ(again->sessions_deleted, 0);

  auto later = Enforce(today_ + 6);
  ASSERT_TRUE(later.ok()) << later.status();
  EXPECT_EQ(RowsOf("b1"), NoRows());
  EXPECT_EQ(RowsOf("c1"), AllRows());
}

TEST_F(RetentionTest, APartitionHeldByAReaderIsLeftForTheNextRunAndReportedIncomplete) {
  EnsurePartitionsFor({1});
  ASSERT_TRUE(Persist(0, SessionRecords(0, "short", "a1", 1)).ok());
  // A long reader of the expired day (a report, a pg_dump) holds it.
  auto reader = database_->Connect();
  ASSERT_TRUE(reader
                  ->Exec(absl::StrCat("BEGIN; LOCK TABLE ",
                                      DayPartitionName("session_payloads", today_ + 1),
                                      " IN ACCESS SHARE MODE"))
                  .ok());
  auto report = EnforceRetention(*db_, {.requested_by = "retention-test",
                                        .lock_timeout = absl::Milliseconds(200),
                                        .drop_attempts = 2,
                                        .first_backoff = absl::Milliseconds(10),
                                        .today = today_ + 2});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_NE(report->incomplete.find(DayPartitionName("session_payloads", today_ + 1)),
            std::string::npos)
      << report->incomplete;
  EXPECT_EQ(report->run_id, 0) << "not recorded as a success";
  EXPECT_EQ(One("SELECT count(*) FROM retention_runs"), "0");
  EXPECT_EQ(RowsOf("a1"), AllRows()) << "its sessions wait for their partition's drop";
  ASSERT_TRUE(reader->Exec("COMMIT").ok());
  auto next = Enforce(today_ + 2);
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->incomplete, "");
  EXPECT_EQ(RowsOf("a1"), NoRows());
}

TEST_F(RetentionTest, ADropWaitsForAWriterOfBothTablesWithoutDeadlocking) {
  EnsurePartitionsFor({1});
  ASSERT_TRUE(Persist(0, SessionRecords(0, "short", "a1", 1)).ok());
  // A worker's transaction takes session_payloads first...
  auto writer = database_->Connect();
  ASSERT_TRUE(writer
                  ->Exec("BEGIN; INSERT INTO session_payloads (session_id, payload_id, "
                         "content_encoding, raw_size, data, received_at, kafka_partition, "
                         "kafka_offset) VALUES ('w', 1, 0, 1, 'x', now(), 0, 0)")
                  .ok());
  absl::StatusOr<EnforcementReport> report;
  std::thread enforcer([&] { report = Enforce(today_ + 2); });
  // ...and once the drop waits for it, payload_facts.
  auto watcher = database_->Connect();
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    auto waiting = watcher->Query(
        "SELECT count(*) FROM pg_locks WHERE NOT granted AND mode = 'AccessExclusiveLock'", {});
    if (waiting.ok() && std::atoi(PQgetvalue(waiting->get(), 0, 0)) > 0) break;
    absl::SleepFor(absl::Milliseconds(5));
  }
  const absl::Status facts = writer->Exec(
      "INSERT INTO payload_facts (session_id, payload_id, parsed, facts) VALUES ('w', 1, true, "
      "'')");
  const absl::Status committed = writer->Exec("COMMIT");
  enforcer.join();
  EXPECT_TRUE(facts.ok()) << facts;
  EXPECT_TRUE(committed.ok()) << committed;
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->incomplete, "");
  // Waited its turn: a drop that locked payload_facts before session_payloads
  // deadlocked with this writer, and only its retry finished the job.
  EXPECT_EQ(report->drop_retries, 0);
  EXPECT_EQ(RowsOf("a1"), NoRows());
}

TEST_F(RetentionTest, ARetentionsFirstSessionsLandInTheirDayPartitionNotTheDefault) {
  // No partition keeper round has seen a 3-day retention: the batch makes
  // its day's partitions before it writes (the default partition held these
  // rows, and the day could never be attached, before batch_day_partitions).
  auto outcome = Persist(0, SessionRecords(0, "new-project", "n1", 3));
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(PartitionOf("n1"), DayPartitionName("session_payloads", today_ + 3));
  EXPECT_EQ(RowsOf("n1"), AllRows());
  EXPECT_EQ(One("SELECT count(*) FROM payload_facts_default"), "0");
  // The keeper's next round finds the day made, nothing skipped.
  auto ensured = store_->EnsureDayPartitions(1, 30);
  ASSERT_TRUE(ensured.ok()) << ensured.status();
  EXPECT_THAT(ensured->skipped, ::testing::IsEmpty());
}

TEST_F(RetentionTest, ABacklogsSessionsLandInThePartitionsOfTheirPastReceiveDays) {
  // Records received two days ago, persisted only now (the database was
  // down): their day is behind the keeper's window of today + retention.
  std::vector<TaskRecord> records = SessionRecords(0, "p", "late", 5);
  for (TaskRecord& record : records) {
    SetReceivedAt(absl::Now() - absl::Hours(48), &record.task);
  }
  auto outcome = Persist(0, records);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(PartitionOf("late"), DayPartitionName("session_payloads", today_ + 3));
  EXPECT_EQ(RowsOf("late"), AllRows());
}

TEST_F(RetentionTest, ABatchWaitsForAnotherMaintainersTurnAndThenFindsItsPartition) {
  auto maintainer = database_->Connect();
  ASSERT_TRUE(maintainer
                  ->Exec(absl::StrCat("BEGIN; SELECT pg_advisory_xact_lock(",
                                      kPartitionMaintenanceLockKey, ")"))
                  .ok());
  auto refused = Persist(0, SessionRecords(0, "p", "w1", 3));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable) << refused.status();
  EXPECT_EQ(RowsOf("w1"), NoRows());
  ASSERT_TRUE(maintainer->Exec("COMMIT").ok());
  auto retried = Persist(0, SessionRecords(0, "p", "w1", 3));
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(PartitionOf("w1"), DayPartitionName("session_payloads", today_ + 3));
}

TEST_F(RetentionTest, APartitionThatCannotBeMadeSendsRowsToTheDefaultAndTheyStillExpire) {
  store_ = CreatePgTaskStore({.dsn = database_->dsn(),
                              .lock_timeout = absl::Milliseconds(200),
                              .default_retention_days = 30});
  // A long reader of the default partition (a report, a pg_dump) keeps a
  // partition from being attached: attaching scans the default exclusively.
  auto reader = database_->Connect();
  ASSERT_TRUE(reader->Exec("BEGIN; LOCK TABLE session_payloads_default IN ACCESS SHARE MODE").ok());
  auto outcome = Persist(0, SessionRecords(0, "p", "d1", 3));
  ASSERT_TRUE(outcome.ok()) << "ingest goes on: " << outcome.status();
  EXPECT_EQ(PartitionOf("d1"), "session_payloads_default");
  EXPECT_EQ(RowsOf("d1"), AllRows());
  ASSERT_TRUE(reader->Exec("COMMIT").ok());
  // Its day cannot get a partition now (the default holds rows of it); the
  // days after it can.
  auto ensured = store_->EnsureDayPartitions(1, 30);
  ASSERT_TRUE(ensured.ok()) << ensured.status();
  EXPECT_THAT(ensured->skipped,
              ::testing::Contains(DayPartitionName("session_payloads", today_ + 3)));
  auto report = Enforce(today_ + 4);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(RowsOf("d1"), NoRows());
  EXPECT_EQ(One("SELECT count(*) FROM session_payloads_default"), "0");
}

TEST_F(RetentionTest, ARecordAlreadyPastItsRetentionIsDroppedNotStored) {
  std::vector<TaskRecord> records = SessionRecords(0, "p", "old", 1);
  for (TaskRecord& record : records) {
    SetReceivedAt(absl::Now() - absl::Hours(24 * 3), &record.task);  // a replay of old records
  }
  auto outcome = Persist(0, records);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->records_expired, static_cast<int64_t>(records.size()));
  EXPECT_EQ(RowsOf("old"), NoRows());
}

TEST_F(RetentionTest, ErasureRemovesEveryRowOfTheSessionAndNothingElse) {
  EnsurePartitionsFor({30});
  ASSERT_TRUE(Persist(0, SessionRecords(0, "p", "gone", 30)).ok());
  ASSERT_TRUE(Persist(0, SessionRecords(6, "p", "kept", 30)).ok());

  auto dry = EraseSessions(*db_, {.session_ids = {"gone"}, .dry_run = true});
  ASSERT_TRUE(dry.ok()) << dry.status();
  EXPECT_EQ(dry->rows, 8);
  EXPECT_GT(dry->bytes, 0);
  EXPECT_EQ(dry->erasure_id, 0);
  EXPECT_EQ(RowsOf("gone"), AllRows()) << "a dry run changes nothing";

  auto erased = EraseSessions(*db_, {.session_ids = {"gone"}, .requested_by = "operator:alice"});
  ASSERT_TRUE(erased.ok()) << erased.status();
  EXPECT_EQ(erased->rows, 8);
  EXPECT_EQ(erased->rows_by_table.at("session_payloads"), 2);
  ASSERT_EQ(erased->sessions.size(), 1u);
  EXPECT_EQ(erased->sessions[0].project_id, "p");
  EXPECT_EQ(RowsOf("gone"), NoRows());
  EXPECT_EQ(RowsOf("kept"), AllRows());
  EXPECT_EQ(One("SELECT requested_by || ' ' || scope || ' ' || array_to_string(session_ids, ',') "
                "|| ' ' || rows_deleted || ' ' || (bytes_deleted > 0) FROM erasure_audit"),
            "operator:alice session gone 8 true");
  EXPECT_EQ(One("SELECT count(*) FROM erased_sessions WHERE session_id = 'gone'"), "1");
}

TEST_F(RetentionTest, RecordsOfAnErasedSessionArriveLaterAndAreDropped) {
  EnsurePartitionsFor({30});
  ASSERT_TRUE(Persist(0, SessionRecords(0, "p", "gone", 30)).ok());
  ASSERT_TRUE(EraseSessions(*db_, {.session_ids = {"gone"}, .requested_by = "op"}).ok());

  // A late payload, then a replay of the whole session (copies at new
  // offsets, as ingestctl replay and a DLQ redrive produce them).
  std::vector<TaskRecord> later = {Payload(6, "p", "gone", 30, 3)};
  for (TaskRecord record : SessionRecords(7, "p", "gone", 30)) {
    record.first = FirstPosition{0, record.offset - 7};
    later.push_back(record);
  }
  auto outcome = Persist(0, later);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->records_erased, static_cast<int64_t>(later.size()));
  EXPECT_EQ(outcome->rows_written, 0);
  EXPECT_EQ(RowsOf("gone"), NoRows());
}

// The loop still holds a quarantine that an erasure deleted: what followed it
// is dropped and counted, not dead-lettered (a DLQ letter could be redriven
// or read back), and the session is named so the loop lifts the quarantine.
TEST_F(RetentionTest, RecordsFollowingTheQuarantineOfAnErasedSessionAreDroppedNotDeadLettered) {
  EnsurePartitionsFor({30});
  ASSERT_TRUE(Persist(0, SessionRecords(0, "p", "gone", 30)).ok());
  ASSERT_TRUE(EraseSessions(*db_, {.session_ids = {"gone"}, .requested_by = "op"}).ok());
  auto follower = [](int64_t offset, const std::string& session) {
    TaskRecord record = Payload(offset, "p", session, 30, static_cast<uint64_t>(offset));
    DeadLetter letter;
    letter.partition = 0;
    letter.offset = offset;
    letter.key = session;
    letter.value = EncodeTask(record.task);
    letter.session_id = session;
    letter.project_id = "p";
    letter.reason = DeadLetterReason::kQuarantinedSession;
    letter.detail = "followed its session's quarantine";
    record.dead_letter = letter;
    return record;
  };
  std::vector<PartitionBatch> batches = {
      PartitionBatch{0, {follower(6, "gone"), follower(7, "kept"), follower(8, "gone")}, 9}};
  std::vector<DeadLetter> sunk;
  auto outcome = store_->PersistBatches(kTopic, batches, [&](absl::Span<const DeadLetter> letters) {
    sunk.insert(sunk.end(), letters.begin(), letters.end());
    return absl::OkStatus();
  });
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->records_erased, 2);
  EXPECT_THAT(outcome->quarantines_erased, ::testing::ElementsAre("gone"));
  ASSERT_EQ(sunk.size(), 1u) << "only the session that was not erased goes to the DLQ";
  EXPECT_EQ(sunk[0].session_id, "kept");
  EXPECT_EQ(sunk[0].offset, 7);
  EXPECT_EQ(RowsOf("gone"), NoRows());
}

TEST_F(RetentionTest, ErasureByUserTakesThatUsersSessionsInThatProjectOnly) {
  EnsurePartitionsFor({30});
  ASSERT_TRUE(Persist(0, {Identify(0, "p", "s1", 30, "ada"), Identify(1, "p", "s2", 30, "ada"),
                          Identify(2, "q", "s3", 30, "ada"), Identify(3, "p", "s4", 30, "bob")})
                  .ok());
  auto erased = EraseSessions(
      *db_, {.project_id = "p", .user_identifier = "ada", .requested_by = "operator:alice"});
  ASSERT_TRUE(erased.ok()) << erased.status();
  ASSERT_EQ(erased->sessions.size(), 2u);
  EXPECT_EQ(One("SELECT string_agg(session_id, ',' ORDER BY session_id) FROM sessions"), "s3,s4");
  // The audit row names the user by digest only: an identifier is personal data.
  EXPECT_EQ(One("SELECT scope || ' ' || project_id || ' ' || "
                "(user_identifier_sha256 = sha256('ada')) FROM erasure_audit"),
            "user p true");
  EXPECT_EQ(One("SELECT count(*) FROM erasure_audit WHERE rows_by_table::text LIKE '%ada%'"), "0");
}

TEST_F(RetentionTest, ErasureUnderLoadRemovesEverythingOfItsSessionAndNothingElse) {
  EnsurePartitionsFor({30});
  // A writer streams payloads of four sessions, one transaction per round,
  // while "s2" is erased in the middle.
  std::atomic<int> rounds{0};
  std::atomic<bool> erasure_done{false};
  int64_t dropped = 0;
  absl::Status writer_status;
  std::thread writer([&] {
    auto store = CreatePgTaskStore({.dsn = database_->dsn()});
    int64_t offset = 0;
    int rounds_after_erasure = 0;
    // Until five rounds after the erasure returned (bounded all the same).
    for (uint64_t payload_id = 1; rounds_after_erasure < 5 && payload_id <= 5000; ++payload_id) {
      const bool after_erasure = erasure_done.load();
      std::vector<TaskRecord> records;
      for (const char* session : {"s1", "s2", "s3", "s4"}) {
        records.push_back(Payload(offset++, "p", session, 30, payload_id));
      }
      std::vector<PartitionBatch> batches = {{0, std::move(records), offset}};
      auto outcome = store->PersistBatches(
          kTopic, batches, [](absl::Span<const DeadLetter>) { return absl::OkStatus(); });
      if (!outcome.ok()) {
        writer_status = outcome.status();
        return;
      }
      dropped += outcome->records_erased;
      ++rounds;
      if (after_erasure) ++rounds_after_erasure;
    }
  });
  while (rounds.load() < 10 && writer_status.ok()) absl::SleepFor(absl::Milliseconds(5));
  auto erased = EraseSessions(*db_, {.session_ids = {"s2"}, .requested_by = "op"});
  erasure_done = true;
  writer.join();
  ASSERT_TRUE(writer_status.ok()) << writer_status;
  ASSERT_TRUE(erased.ok()) << erased.status();
  EXPECT_GE(erased->rows_by_table.at("session_payloads"), 10);
  EXPECT_GE(dropped, 5) << "the rounds after the erasure dropped s2's records";
  EXPECT_EQ(One("SELECT count(*) FROM session_payloads WHERE session_id = 's2'"), "0");
  EXPECT_EQ(One("SELECT count(*) FROM sessions WHERE session_id = 's2'"), "0");
  const std::string written = absl::StrCat(rounds.load());
  for (const char* session : {"s1", "s3", "s4"}) {
    EXPECT_EQ(One(absl::StrCat("SELECT count(*) || '/' || max(payload_count) FROM "
                               "session_payloads JOIN sessions USING (session_id) "
                               "WHERE session_id = '",
                               session, "'")),
              absl::StrCat(written, "/", written))
        << session;
  }
}

// Data stored before migration 9 stays readable and keyed as before, takes
// new payloads of its sessions, and expires by age.
TEST(RetentionMigrationTest, RowsStoredBeforeRetentionBecomeTheLegacyPartitionAndExpireByAge) {
  auto database = TestDatabase::Create();
  ASSERT_TRUE(database.ok()) << database.status();
  auto db = (*database)->Connect();
  ASSERT_TRUE(ApplyMigrationsThrough(*db, 8, absl::Seconds(5)).ok());
  ASSERT_TRUE(db->Exec("INSERT INTO sessions (session_id, project_id, payload_count, "
                       "last_payload_id, created_at) VALUES ('old', 'p', 1, 1, now()), "
                       "('older', 'p', 0, 0, now() - interval '40 days');"
                       "INSERT INTO session_payloads (session_id, payload_id, content_encoding, "
                       "raw_size, data, received_at, kafka_partition, kafka_offset) VALUES "
                       "('old', 1, 0, 3, 'abc', now(), 0, 0), "
                       "('older', 1, 0, 3, 'xyz', now() - interval '40 days', 0, 1);"
                       "INSERT INTO payload_facts (session_id, payload_id, parsed, facts) "
                       "VALUES ('old', 1, true, '')")
                  .ok());
  ASSERT_TRUE(ApplyMigrations(*db, absl::Seconds(5)).ok());
  auto one = [&](const std::string& sql) {
    auto result = db->Query(sql, {});
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() && PQntuples(result->get()) > 0
               ? std::string(PQgetvalue(result->get(), 0, 0))
               : std::string();
  };
  EXPECT_EQ(one("SELECT string_agg(session_id || ':' || tableoid::regclass::text || ':' || "
                "expire_day, ',' ORDER BY session_id) FROM session_payloads"),
            "old:session_payloads_legacy:infinity,older:session_payloads_legacy:infinity");
  EXPECT_EQ(one("SELECT tableoid::regclass FROM payload_facts"), "payload_facts_legacy");

  // The legacy session goes on: its next payload joins it there, and a
  // replay of its stored one is a duplicate, as before the migration.
  auto store = CreatePgTaskStore({.dsn = (*database)->dsn()});
  TaskRecord replayed = Payload(10, "p", "old", 30, 1);
  TaskRecord next = Payload(11, "p", "old", 30, 2);
  replayed.task.mutable_payload()->mutable_content()->set_events("other bytes");
  std::vector<PartitionBatch> batches = {{0, {next}, 12}};
  auto outcome = store->PersistBatches(
      kTopic, batches, [](absl::Span<const DeadLetter>) { return absl::OkStatus(); });
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(one("SELECT count(*) || ' ' || min(tableoid::regclass::text) FROM session_payloads "
                "WHERE session_id = 'old'"),
            "2 session_payloads_legacy");
  std::vector<DeadLetter> letters;
  batches = {{0, {replayed}, 13}};
  outcome = store->PersistBatches(kTopic, batches, [&](absl::Span<const DeadLetter> sunk) {
    letters.assign(sunk.begin(), sunk.end());
    return absl::OkStatus();
  });
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  ASSERT_EQ(letters.size(), 1u) << "payload 1 again with other bytes: a conflicting duplicate";
  EXPECT_EQ(letters[0].reason, DeadLetterReason::kConflictingDuplicate);

  // 30 days of legacy retention: "older" (40 days) goes now, "old" in 31 days.
  auto today = DatabaseToday(*db);
  ASSERT_TRUE(today.ok());
  auto report = EnforceRetention(*db, {.requested_by = "test", .legacy_retention_days = 30});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->sessions_deleted, 1);
  EXPECT_EQ(one("SELECT string_agg(DISTINCT session_id, ',') FROM session_payloads"), "old");
  report = EnforceRetention(
      *db, {.requested_by = "test", .legacy_retention_days = 30, .today = *today + 31});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(one("SELECT count(*) FROM session_payloads"), "0");
  EXPECT_EQ(one("SELECT count(*) FROM payload_facts"), "0");
  EXPECT_EQ(one("SELECT count(*) FROM sessions"), "0");
}

}  // namespace
}  // namespace ingest
