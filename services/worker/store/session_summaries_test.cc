// Session summaries and lifecycle as PgTaskStore writes them, against a real
// PostgreSQL: the summary of a session is the fold of all its stored
// payloads' facts in payload-id order, however they arrived; duplicates and
// replays change nothing; sessions complete by the partition's watermark,
// not the wall clock, and reopen on a later payload.

#include <random>

#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "services/common/codec/task_codec.h"
#include "services/common/facts/payload_facts_extractor.h"
#include "services/common/facts/session_summary.h"
#include "services/common/payload/stored_form.h"
#include "services/common/pg/testing/migrated_database_test.h"
#include "services/worker/store/pg_binary.h"
#include "services/worker/store/pg_task_store.h"

namespace ingest {
namespace {

constexpr char kTopic[] = "ingest.tasks";
const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);

// Facts with a few of everything, varied by `seed`.
v1::PayloadFacts SomeFacts(uint64_t seed, int64_t base_ms) {
  std::mt19937_64 rng(seed);
  v1::PayloadFacts facts;
  facts.set_parsed(true);
  for (int type = 0; type < 8; ++type) facts.add_events_by_type(rng() % 5);
  uint64_t events = 0;
  for (uint64_t count : facts.events_by_type()) events += count;
  facts.set_event_count(events);
  facts.set_first_event_ms(base_ms + static_cast<int64_t>(rng() % 1000));
  facts.set_last_event_ms(facts.first_event_ms() + static_cast<int64_t>(rng() % 20'000));
  facts.set_interaction_count(1 + rng() % 4);
  facts.set_first_interaction_ms(facts.first_event_ms());
  facts.set_last_interaction_ms(facts.last_event_ms());
  facts.set_active_ms(static_cast<int64_t>(rng() % 5000));
  const int clicks = static_cast<int>(rng() % 7);
  facts.set_click_count(static_cast<uint64_t>(clicks));
  for (int i = 0; i < clicks; ++i) {
    v1::Click* click = facts.add_clicks();
    click->set_timestamp_ms(facts.first_event_ms() + i * 300);
    click->set_x(100 + static_cast<int32_t>(rng() % 4));
    click->set_y(200);
  }
  const char* pages[] = {"https://a.example/", "https://a.example/cart", "https://a.example/pay"};
  for (int i = 0; i < static_cast<int>(rng() % 3); ++i) facts.add_pages(pages[rng() % 3]);
  facts.set_console_errors(rng() % 3);
  facts.set_console_warnings(rng() % 3);
  facts.set_errors(rng() % 2);
  facts.set_resources(rng() % 10);
  facts.set_failed_resources(rng() % 2);
  return facts;
}

TaskRecord PayloadRecord(int64_t offset, const std::string& session, uint64_t payload_id,
                         const v1::PayloadFacts& facts, absl::Time received_at,
                         bool unloaded = false) {
  TaskRecord record;
  record.offset = offset;
  v1::Task& task = record.task;
  task.set_schema_version(kTaskSchemaVersion);
  task.set_type(v1::TASK_TYPE_PUSH_PAYLOAD);
  task.set_project_id("proj");
  task.set_session_id(session);
  task.set_payload_id(payload_id);
  task.set_chunk_count(1);
  SetReceivedAt(received_at, &task);
  task.set_retention_days(3650);  // the fixed 2023 times are within it
  v1::PayloadContent content;
  content.set_events(absl::StrCat("[payload ", payload_id, " of ", session, "]"));
  SetStoredForm(content.SerializeAsString(), /*compress=*/true, 1, task.mutable_payload());
  task.mutable_payload()->set_has_session_unloaded(unloaded);
  *task.mutable_payload()->mutable_facts() = facts;
  return record;
}

class SessionSummariesTest : public MigratedDatabaseTest {
 protected:
  void SetUp() override {
    MigratedDatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    PgTaskStoreOptions options{.dsn = database_->dsn()};
    options.lifecycle.idle_timeout = absl::Minutes(30);
    options.lifecycle.unloaded_idle_timeout = absl::Minutes(2);
    store_ = CreatePgTaskStore(options);
  }

  PersistOutcome Persist(int32_t partition, std::vector<TaskRecord> records,
                         absl::Time watermark = absl::InfinitePast()) {
    PartitionBatch batch{partition, std::move(records), next_offset_[partition]};
    for (const TaskRecord& record : batch.records) {
      batch.next_offset = std::max(batch.next_offset, record.offset + 1);
    }
    next_offset_[partition] = batch.next_offset;
    batch.watermark = watermark;
    std::vector<PartitionBatch> batches{std::move(batch)};
    absl::StatusOr<PersistOutcome> outcome =
        store_->PersistBatches(kTopic, batches, [](absl::Span<const DeadLetter>) {
          return absl::OkStatus();
        });
    EXPECT_TRUE(outcome.ok()) << outcome.status();
    return outcome.ok() ? *std::move(outcome) : PersistOutcome{};
  }

  v1::SessionSummary StoredSummary(const std::string& session) {
    auto result = db_->Query("SELECT summary FROM sessions WHERE session_id = $1",
                             {PgParam::Text(session)}, PgFormat::kBinary);
    EXPECT_TRUE(result.ok()) << result.status();
    v1::SessionSummary summary;
    if (!result.ok() || PQntuples(result->get()) != 1) {
      ADD_FAILURE() << "no sessions row for " << session;
      return summary;
    }
    const absl::string_view bytes = BinaryValueBytes(result->get(), 0, 0);
    EXPECT_TRUE(summary.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
    return summary;
  }

  std::string Column(const std::string& session, const std::string& column) {
    auto result = db_->Query(
        absl::StrCat("SELECT coalesce(", column, "::text, 'NULL') FROM sessions WHERE session_id = $1"),
        {PgParam::Text(session)});
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() && PQntuples(result->get()) == 1 ? PQgetvalue(result->get(), 0, 0) : "";
  }

  static v1::SessionSummary Expected(const std::vector<std::pair<uint64_t, v1::PayloadFacts>>& all) {
    std::vector<std::pair<uint64_t, v1::PayloadFacts>> sorted = all;
    std::sort(sorted.begin(), sorted.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<IdentifiedFacts> ordered;
    for (const auto& [id, facts] : sorted) ordered.push_back({id, &facts});
    return SummarizeSession(ordered, RageClickRule{});
  }

  static void ExpectSame(const v1::SessionSummary& expected, const v1::SessionSummary& actual) {
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(expected, actual))
        << "expected:\n" << expected.DebugString() << "actual:\n" << actual.DebugString();
  }

  std::unique_ptr<TaskStore> store_;
  std::map<int32_t, int64_t> next_offset_;
};

TEST_F(SessionSummariesTest, SummaryIsTheFoldOfStoredPayloadsInIdOrderHoweverTheyArrive) {
  // Random sessions whose payloads arrive in random order, across batches,
  // with some ids skipped: the stored summary equals the fold of every
  // stored payload in id order.
  std::mt19937_64 rng(18);
  for (int s = 0; s < 12; ++s) {
    const std::string session = absl::StrCat("s", s);
    std::vector<std::pair<uint64_t, v1::PayloadFacts>> payloads;
    const int count = 1 + static_cast<int>(rng() % 8);
    for (int i = 1; i <= count; ++i) {
      if (rng() % 5 == 0) continue;  // a gap
      payloads.emplace_back(i, SomeFacts(rng(), 1'700'000'000'000 + i * 10'000));
    }
    if (payloads.empty()) continue;
    std::vector<std::pair<uint64_t, v1::PayloadFacts>> arrival = payloads;
    std::shuffle(arrival.begin(), arrival.end(), rng);
    int64_t offset = next_offset_[s % 3];
    std::vector<TaskRecord> batch;
    for (const auto& [id, facts] : arrival) {
      batch.push_back(PayloadRecord(offset++, session, id, facts, kStart));
      if (rng() % 2 == 0) Persist(s % 3, std::exchange(batch, {}));
    }
    if (!batch.empty()) Persist(s % 3, std::move(batch));
    SCOPED_TRACE(session);
    ExpectSame(Expected(payloads), StoredSummary(session));
    EXPECT_EQ(Column(session, "length_ms"), absl::StrCat(Expected(payloads).length_ms()));
    EXPECT_EQ(Column(session, "clicks"), absl::StrCat(Expected(payloads).clicks()));
  }
}

TEST_F(SessionSummariesTest, DuplicatesAndReplaysChangeNothing) {
  const v1::PayloadFacts first = SomeFacts(1, 1'700'000'000'000);
  const v1::PayloadFacts second = SomeFacts(2, 1'700'000'020'000);
  Persist(0, {PayloadRecord(0, "dup", 1, first, kStart), PayloadRecord(1, "dup", 2, second, kStart)});
  const v1::SessionSummary before = StoredSummary("dup");
  // The same records again (a retry produced twice, or ingestctl replay).
  PersistOutcome again = Persist(0, {PayloadRecord(2, "dup", 1, first, kStart + absl::Seconds(1)),
                                     PayloadRecord(3, "dup", 2, second, kStart + absl::Seconds(1))});
  EXPECT_EQ(again.duplicates_ignored, 2);
  ExpectSame(before, StoredSummary("dup"));
  EXPECT_EQ(StoredSummary("dup").payloads(), 2u);
  EXPECT_EQ(Column("dup", "payload_count"), "2");
}

TEST_F(SessionSummariesTest, RecordsWithoutFactsCountAsUnparsed) {
  TaskRecord old = PayloadRecord(0, "old-gateway", 1, v1::PayloadFacts(), kStart);
  old.task.mutable_payload()->clear_facts();
  PersistOutcome outcome = Persist(0, {std::move(old)});
  EXPECT_EQ(outcome.payloads_unparsed, 1);
  EXPECT_EQ(StoredSummary("old-gateway").unparsed_payloads(), 1u);
  EXPECT_EQ(Column("old-gateway", "unparsed_payloads"), "1");
}

TEST_F(SessionSummariesTest, SessionsCompleteByTheWatermarkNotTheWallClock) {
  // Both sessions' last payloads were received long ago (by the wall clock),
  // but the partition's watermark says only 10 minutes passed: nothing is
  // idle for 30 minutes yet.
  Persist(0, {PayloadRecord(0, "a", 1, SomeFacts(1, 0), kStart),
              PayloadRecord(1, "b", 1, SomeFacts(2, 0), kStart + absl::Minutes(5))},
          kStart + absl::Minutes(10));
  EXPECT_EQ(Column("a", "status"), "live");
  // The watermark passes a's idle timeout, not yet b's.
  PersistOutcome outcome = Persist(0, {}, kStart + absl::Minutes(31));
  EXPECT_EQ(outcome.sessions_completed, 1);
  EXPECT_EQ(Column("a", "status"), "completed");
  EXPECT_EQ(Column("b", "status"), "live");
  EXPECT_EQ(Column("a", "(completed_at IS NOT NULL)"), "true");
  // Another partition's watermark never completes this partition's sessions.
  Persist(1, {}, kStart + absl::Hours(5));
  EXPECT_EQ(Column("b", "status"), "live");
}

TEST_F(SessionSummariesTest, AnUnloadedSessionCompletesSooner) {
  Persist(0, {PayloadRecord(0, "gone", 1, SomeFacts(1, 0), kStart, /*unloaded=*/true),
              PayloadRecord(1, "open", 1, SomeFacts(2, 0), kStart)},
          kStart + absl::Minutes(3));
  EXPECT_EQ(Column("gone", "status"), "completed");
  EXPECT_EQ(Column("open", "status"), "live");
}

TEST_F(SessionSummariesTest, ALaterPayloadReopensACompletedSessionOnce) {
  Persist(0, {PayloadRecord(0, "back", 1, SomeFacts(1, 0), kStart, /*unloaded=*/true)},
          kStart + absl::Minutes(3));
  ASSERT_EQ(Column("back", "status"), "completed");
  PersistOutcome outcome =
      Persist(0, {PayloadRecord(1, "back", 2, SomeFacts(2, 0), kStart + absl::Minutes(4))});
  EXPECT_EQ(outcome.sessions_reopened, 1);
  EXPECT_EQ(Column("back", "status"), "live");
  EXPECT_EQ(Column("back", "reopened_count"), "1");
  EXPECT_EQ(Column("back", "completed_at"), "NULL");
  // A replay of an old payload neither reopens nor moves anything.
  Persist(0, {}, kStart + absl::Minutes(40));
  ASSERT_EQ(Column("back", "status"), "completed");
  Persist(0, {PayloadRecord(2, "back", 1, SomeFacts(1, 0), kStart)});
  EXPECT_EQ(Column("back", "status"), "completed");
  EXPECT_EQ(Column("back", "reopened_count"), "1");
}

TEST_F(SessionSummariesTest, InitStartsALiveSessionAndAReplayedInitDoesNotReopenIt) {
  TaskRecord init;
  init.offset = 0;
  init.task.set_schema_version(kTaskSchemaVersion);
  init.task.set_type(v1::TASK_TYPE_INITIALIZE_SESSION);
  init.task.set_project_id("proj");
  init.task.set_session_id("fresh");
  SetReceivedAt(kStart, &init.task);
  init.task.set_retention_days(3650);
  init.task.mutable_init()->mutable_request()->set_client_version("sdk/1");
  TaskRecord replayed = init;
  replayed.offset = 1;
  Persist(2, {std::move(init)});
  EXPECT_EQ(Column("fresh", "status"), "live");
  EXPECT_EQ(Column("fresh", "kafka_partition"), "2");
  Persist(2, {}, kStart + absl::Hours(1));
  ASSERT_EQ(Column("fresh", "status"), "completed");
  Persist(2, {std::move(replayed)});
  EXPECT_EQ(Column("fresh", "status"), "completed");
}

}  // namespace
}  // namespace ingest
