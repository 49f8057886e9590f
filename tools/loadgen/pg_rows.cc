#include "tools/loadgen/pg_rows.h"

#include <libpq-fe.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/pg/connection.h"
#include "services/common/pg/pg_text_array.h"

namespace ingest::loadgen {
namespace {

constexpr absl::Duration kConnectTimeout = absl::Seconds(10);

constexpr char kPresentKeysSql[] =
    "SELECT DISTINCT session_id, payload_id FROM session_payloads "
    "WHERE session_id = ANY($1::text[])";

// One line per payload, its chunk rows folded together: chunk-0 copies, all
// rows, first insertion, bytes and the hash of the bytes in chunk order.
constexpr char kPayloadsSql[] =
    "SELECT session_id, payload_id, "
    "count(*) FILTER (WHERE chunk_index = 0), count(*), min(persisted_seq), "
    "sum(octet_length(data)), "
    "encode(sha256(string_agg(data, ''::bytea "
    "ORDER BY chunk_index, persisted_seq)), 'hex') "
    "FROM session_payloads WHERE session_id = ANY($1::text[]) "
    "GROUP BY session_id, payload_id";

constexpr char kSessionsSql[] =
    "SELECT session_id, payload_count FROM sessions "
    "WHERE session_id = ANY($1::text[])";

absl::StatusOr<int64_t> ParseInt(const PGresult* result, int row, int column) {
  int64_t value = 0;
  if (PQgetisnull(result, row, column) ||
      !absl::SimpleAtoi(PQgetvalue(result, row, column), &value)) {
    return absl::InternalError(
        absl::StrCat("unexpected value '", PQgetvalue(result, row, column),
                     "' in column ", PQfname(result, column)));
  }
  return value;
}

// A row of kPayloadsSql.
absl::StatusOr<StoredPayload> ParsePayloadRow(const PGresult* rows, int row) {
  int64_t numbers[6] = {};  // columns 1..5
  for (int column = 1; column <= 5; ++column) {
    absl::StatusOr<int64_t> value = ParseInt(rows, row, column);
    if (!value.ok()) return value.status();
    numbers[column] = *value;
  }
  return StoredPayload{.session_id = PQgetvalue(rows, row, 0),
                       .payload_id = static_cast<uint64_t>(numbers[1]),
                       .head_rows = numbers[2],
                       .rows = numbers[3],
                       .first_seq = numbers[4],
                       .size_bytes = numbers[5],
                       .sha256_hex = PQgetvalue(rows, row, 6)};
}

// Reads over one PgConnection, reconnecting when it breaks.
class PgRowReader final : public RowReader {
 public:
  PgRowReader(std::string dsn, std::unique_ptr<PgConnection> connection,
              size_t sessions_per_query)
      : dsn_(std::move(dsn)),
        connection_(std::move(connection)),
        sessions_per_query_(std::max<size_t>(1, sessions_per_query)) {}

  absl::StatusOr<std::vector<PayloadKey>> ReadPresentKeys(
      absl::Span<const std::string> session_ids) override {
    if (absl::Status status = EnsureConnected(); !status.ok()) return status;
    std::vector<PayloadKey> keys;
    for (size_t begin = 0; begin < session_ids.size();
         begin += sessions_per_query_) {
      absl::StatusOr<PgResult> result = Query(
          kPresentKeysSql, session_ids.subspan(begin, sessions_per_query_));
      if (!result.ok()) return result.status();
      const PGresult* rows = result->get();
      for (int row = 0; row < PQntuples(rows); ++row) {
        absl::StatusOr<int64_t> payload_id = ParseInt(rows, row, 1);
        if (!payload_id.ok()) return payload_id.status();
        keys.push_back({PQgetvalue(rows, row, 0),
                        static_cast<uint64_t>(*payload_id)});
      }
    }
    return keys;
  }

  absl::StatusOr<StoredRows> ReadRows(
      absl::Span<const std::string> session_ids) override {
    if (absl::Status status = EnsureConnected(); !status.ok()) return status;
    // One snapshot for all batches and both tables, so a payload the worker
    // commits meanwhile cannot show in sessions.payload_count but not in
    // session_payloads.
    if (absl::Status status = connection_->Exec(
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
        !status.ok()) {
      return status;
    }
    absl::StatusOr<StoredRows> rows = ReadRowsInTransaction(session_ids);
    const absl::Status end = connection_->Exec(rows.ok() ? "COMMIT" : "ROLLBACK");
    if (!rows.ok()) return rows.status();
    if (!end.ok()) return end;
    return rows;
  }

 private:
  absl::StatusOr<StoredRows> ReadRowsInTransaction(
      absl::Span<const std::string> session_ids) {
    StoredRows stored;
    for (size_t begin = 0; begin < session_ids.size();
         begin += sessions_per_query_) {
      const absl::Span<const std::string> batch =
          session_ids.subspan(begin, sessions_per_query_);
      absl::StatusOr<PgResult> payloads = Query(kPayloadsSql, batch);
      if (!payloads.ok()) return payloads.status();
      const PGresult* rows = payloads->get();
      for (int row = 0; row < PQntuples(rows); ++row) {
        absl::StatusOr<StoredPayload> payload = ParsePayloadRow(rows, row);
        if (!payload.ok()) return payload.status();
        stored.payloads.push_back(*std::move(payload));
      }

      absl::StatusOr<PgResult> sessions = Query(kSessionsSql, batch);
      if (!sessions.ok()) return sessions.status();
      rows = sessions->get();
      for (int row = 0; row < PQntuples(rows); ++row) {
        absl::StatusOr<int64_t> count = ParseInt(rows, row, 1);
        if (!count.ok()) return count.status();
        stored.sessions.push_back({PQgetvalue(rows, row, 0), *count});
      }
    }
    return stored;
  }

  absl::Status EnsureConnected() {
    if (connection_->IsHealthy()) return absl::OkStatus();
    absl::StatusOr<std::unique_ptr<PgConnection>> reconnected =
        PgConnection::Connect(dsn_, kConnectTimeout);
    if (!reconnected.ok()) return reconnected.status();
    connection_ = *std::move(reconnected);
    return absl::OkStatus();
  }

  // Runs `sql` with the text[] of `session_ids` as $1.
  absl::StatusOr<PgResult> Query(const char* sql,
                                 absl::Span<const std::string> session_ids) {
    return connection_->Query(sql, {PgParam::Text(ToPgTextArray(session_ids))});
  }

  const std::string dsn_;
  std::unique_ptr<PgConnection> connection_;
  const size_t sessions_per_query_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<RowReader>> ConnectPgRowReader(
    const std::string& dsn, size_t sessions_per_query) {
  absl::StatusOr<std::unique_ptr<PgConnection>> connection =
      PgConnection::Connect(dsn, kConnectTimeout);
  if (!connection.ok()) return connection.status();
  return std::make_unique<PgRowReader>(dsn, *std::move(connection),
                                       sessions_per_query);
}

}  // namespace ingest::loadgen
