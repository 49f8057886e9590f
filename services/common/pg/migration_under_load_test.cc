// Migration 9 (partitioning) under load: while it runs against a table with
// history, a writer that inserts payload rows the way a worker of schema 8
// does keeps going, and loses nothing. Needs $PG_DSN.

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <iostream>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "services/common/pg/migrations.h"
#include "services/common/pg/testing/test_database.h"

namespace ingest {
namespace {

constexpr int kHistoryRows = 20000;  // 4 KiB each: 80 MiB

struct Insert {
  absl::Time started;
  absl::Time finished;
};

TEST(MigrationUnderLoadTest, PartitioningTheTablesNeverStopsTheWriters) {
  auto database = TestDatabase::Create();
  ASSERT_TRUE(database.ok()) << database.status();
  auto db = (*database)->Connect();
  ASSERT_TRUE(ApplyMigrationsThrough(*db, 8, absl::Seconds(5)).ok());
  ASSERT_TRUE(
      db->Exec(
            absl::StrCat("INSERT INTO session_payloads (session_id, payload_id, content_encoding, "
                         "raw_size, data, received_at, kafka_partition, kafka_offset) "
                         "SELECT 'history-' || (g / 100), g % 100 + 1, 1, 4096, "
                         "convert_to(repeat(md5(g::text), 128), 'UTF8'), now(), -1, -1 "
                         "FROM generate_series(0, ",
                         kHistoryRows - 1, ") AS g"))
          .ok());

  // The writer: one row per transaction, the columns a schema-8 worker
  // writes, no lock timeout (it waits as long as the migration makes it).
  std::atomic<bool> stop{false};
  std::atomic<bool> writer_failed{false};
  absl::Mutex mu;
  std::vector<Insert> inserts;
  absl::Status writer_status;
  std::thread writer([&] {
    auto connection = (*database)->Connect();
    for (int i = 0; !stop.load(); ++i) {
      const absl::Time started = absl::Now();
      absl::Status status = connection->Exec(absl::StrCat(
          "INSERT INTO session_payloads (session_id, payload_id, content_encoding, raw_size, "
          "data, received_at, kafka_partition, kafka_offset) VALUES ('live', ",
          i + 1, ", 1, 3, 'abc', now(), 0, ", i, ")"));
      absl::MutexLock lock(&mu);
      if (!status.ok()) {
        writer_status = status;
        writer_failed = true;
        return;
      }
      inserts.push_back({started, absl::Now()});
    }
  });
  auto inserted = [&] {
    absl::MutexLock lock(&mu);
    return inserts.size();
  };
  // Waits until the writer has made `count` inserts (false after a minute,
  // or if it failed).
  auto wait_for_inserts = [&](size_t count) {
    const absl::Time deadline = absl::Now() + absl::Minutes(1);
    while (inserted() < count) {
      if (writer_failed.load() || absl::Now() > deadline) return false;
      absl::SleepFor(absl::Milliseconds(5));
    }
    return true;
  };
  const bool warmed_up = wait_for_inserts(20);

  const absl::Time migration_started = absl::Now();
  const absl::Status migrated = ApplyMigrations(*db, absl::Seconds(2));
  const absl::Time migration_finished = absl::Now();
  const bool went_on = wait_for_inserts(inserted() + 20);
  stop = true;
  writer.join();

  ASSERT_TRUE(warmed_up);
  ASSERT_TRUE(migrated.ok()) << migrated;
  ASSERT_TRUE(writer_status.ok()) << writer_status;
  EXPECT_TRUE(went_on) << "the writer keeps inserting after the migration";
  int during = 0;
  absl::Duration longest;
  for (const Insert& insert : inserts) {
    if (insert.finished > migration_started && insert.finished < migration_finished) ++during;
    longest = std::max(longest, insert.finished - insert.started);
  }
  // A migration that held the table for its whole run would let none finish.
  EXPECT_GE(during, 10) << "inserts finished while the " << (migration_finished - migration_started)
                        << " migration ran; the longest waited " << longest;
  EXPECT_LT(longest, absl::Seconds(5));
  std::cout << "migration 9 over " << kHistoryRows << " rows took "
            << (migration_finished - migration_started) << "; " << during
            << " inserts finished meanwhile; the longest insert took " << longest << "\n";

  // Nothing lost: the history and every insert, all in the legacy partition.
  auto counted = db->Query(
      "SELECT count(*) FILTER (WHERE session_id LIKE 'history-%'), "
      "count(*) FILTER (WHERE session_id = 'live'), "
      "string_agg(DISTINCT tableoid::regclass::text, ',') FROM session_payloads",
      {});
  ASSERT_TRUE(counted.ok()) << counted.status();
  EXPECT_EQ(std::atoi(PQgetvalue(counted->get(), 0, 0)), kHistoryRows);
  EXPECT_EQ(static_cast<size_t>(std::atoi(PQgetvalue(counted->get(), 0, 1))), inserts.size());
  EXPECT_STREQ(PQgetvalue(counted->get(), 0, 2), "session_payloads_legacy");
}

}  // namespace
}  // namespace ingest
