#include "tools/loadgen/pg_rows.h"

#include <algorithm>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "services/common/crypto/sha256.h"
#include "services/common/pg/testing/migrated_database_test.h"
#include "services/worker/store/stored_payload.h"

namespace ingest::loadgen {
namespace {

// Needs a PostgreSQL server: `./dev test` passes PG_DSN.
class PgRowsTest : public MigratedDatabaseTest {
 protected:
  void InsertRow(const std::string& session, int payload_id, int chunk, int encoding,
                 const std::string& raw) {
    const std::string data = encoding == 1 ? EncodeStoredData(raw) : raw;
    auto result = db_->Query(
        "INSERT INTO session_payloads (session_id, payload_id, chunk_index, content_encoding, "
        "raw_size, storage_encoding, data, received_at, kafka_partition, kafka_offset) "
        "VALUES ($1, $2::bigint, $3::integer, 0, $4::bigint, $5::smallint, $6, now(), 0, 0)",
        {PgParam::Text(session), PgParam::Int(payload_id), PgParam::Int(chunk),
         PgParam::Int(static_cast<int64_t>(raw.size())), PgParam::Int(encoding),
         PgParam::Bytes(data)});
    ASSERT_TRUE(result.ok()) << result.status();
  }

  // A session row; nullopt stores NULL.
  void InsertSession(const std::string& session, std::optional<std::string> status,
                     std::optional<std::string> summary) {
    auto result = db_->Query(
        "INSERT INTO sessions (session_id, project_id, payload_count, status, summary) "
        "VALUES ($1, 'p', 2, $2, $3)",
        {PgParam::Text(session), status ? PgParam::Text(*status) : PgParam::Null(),
         summary ? PgParam::Bytes(*summary) : PgParam::Null()});
    ASSERT_TRUE(result.ok()) << result.status();
  }
};

TEST_F(PgRowsTest, ReadsTheSessionsStatusAndSummaryBytes) {
  // Bytes that text format would escape: NUL, a quote, a backslash, 0xff.
  const std::string summary("\0'\0\\\xff", 5);
  InsertSession("a", "completed", summary);
  InsertSession("b", "live", std::nullopt);
  InsertSession("c", std::nullopt, std::nullopt);  // written before summaries
  auto reader = ConnectPgRowReader(database_->dsn(), /*sessions_per_query=*/2);
  ASSERT_TRUE(reader.ok()) << reader.status();

  auto rows = (*reader)->ReadRows({"a", "b", "c", "missing"});
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->sessions.size(), 3u);
  std::sort(
      rows->sessions.begin(), rows->sessions.end(),
      [](const StoredSession& x, const StoredSession& y) { return x.session_id < y.session_id; });
  EXPECT_EQ(rows->sessions[0].session_id, "a");
  EXPECT_EQ(rows->sessions[0].payload_count, 2);
  EXPECT_EQ(rows->sessions[0].status, "completed");
  EXPECT_EQ(rows->sessions[0].summary, summary);
  EXPECT_EQ(rows->sessions[1].status, "live");
  EXPECT_EQ(rows->sessions[1].summary, std::nullopt);
  EXPECT_EQ(rows->sessions[2].status, "");

  auto statuses = (*reader)->ReadSessionStatuses({"a", "b", "c", "missing"});
  ASSERT_TRUE(statuses.ok()) << statuses.status();
  std::sort(statuses->begin(), statuses->end(), [](const SessionStatus& x, const SessionStatus& y) {
    return x.session_id < y.session_id;
  });
  EXPECT_EQ(*statuses, (std::vector<SessionStatus>{{"a", "completed"}, {"b", "live"}, {"c", ""}}));
}

TEST_F(PgRowsTest, DecodesCompressedAndRawRowsAndFoldsChunksInOrder) {
  InsertRow("a", 1, 0, /*encoding=*/1, std::string(5000, 'z'));
  InsertRow("a", 2, 1, 1, "world");  // chunks inserted out of order
  InsertRow("a", 2, 0, 0, "hello ");
  InsertRow("b", 1, 0, 0, "legacy raw row");
  auto reader = ConnectPgRowReader(database_->dsn(), /*sessions_per_query=*/1);
  ASSERT_TRUE(reader.ok()) << reader.status();
  auto rows = (*reader)->ReadRows({"a", "b"});
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->payloads.size(), 3u);
  const StoredPayload& whole = rows->payloads[0];
  EXPECT_EQ(whole.session_id, "a");
  EXPECT_EQ(whole.size_bytes, 5000);
  EXPECT_EQ(whole.sha256_hex, Sha256Hex(std::string(5000, 'z')));
  const StoredPayload& streamed = rows->payloads[1];
  EXPECT_EQ(streamed.payload_id, 2u);
  EXPECT_EQ(streamed.rows, 2);
  EXPECT_EQ(streamed.head_rows, 1);
  EXPECT_EQ(streamed.sha256_hex, Sha256Hex("hello world"));
  EXPECT_EQ(rows->payloads[2].sha256_hex, Sha256Hex("legacy raw row"));

  // One key per payload, however many chunks it has.
  auto keys = (*reader)->ReadPresentKeys({"a", "b", "missing"});
  ASSERT_TRUE(keys.ok()) << keys.status();
  std::sort(keys->begin(), keys->end(), [](const PayloadKey& x, const PayloadKey& y) {
    return std::tie(x.session_id, x.payload_id) < std::tie(y.session_id, y.payload_id);
  });
  EXPECT_EQ(*keys, (std::vector<PayloadKey>{{"a", 1}, {"a", 2}, {"b", 1}}));
}

TEST_F(PgRowsTest, DamagedRowIsAnError) {
  auto result = db_->Query(
      "INSERT INTO session_payloads (session_id, payload_id, content_encoding, raw_size, "
      "storage_encoding, data, received_at, kafka_partition, kafka_offset) "
      "VALUES ('c', 1, 0, 10, 1, 'not zstd'::bytea, now(), 0, 0)",
      {});
  ASSERT_TRUE(result.ok()) << result.status();
  auto reader = ConnectPgRowReader(database_->dsn());
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ((*reader)->ReadRows({"c"}).status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace ingest::loadgen
