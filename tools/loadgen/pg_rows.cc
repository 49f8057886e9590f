#include "tools/loadgen/pg_rows.h"

#include <libpq-fe.h>

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/crypto/sha256.h"
#include "services/common/pg/connection.h"
#include "services/common/pg/pg_text_array.h"
#include "services/common/status/status_macros.h"
#include "services/worker/store/pg_binary.h"
#include "services/worker/store/stored_payload.h"

namespace ingest::loadgen {
namespace {

constexpr absl::Duration kConnectTimeout = absl::Seconds(10);

constexpr char kPresentKeysSql[] =
    "SELECT DISTINCT session_id, payload_id FROM session_payloads "
    "WHERE session_id = ANY($1::text[])";

// Every payload row, in the order PayloadFolder folds them. The worker stores
// data zstd-compressed, which PostgreSQL cannot undo, so the rows come here
// (through a cursor, kFetchRows at a time) to be decoded and hashed.
constexpr char kDeclarePayloadRows[] =
    "DECLARE payload_rows NO SCROLL CURSOR FOR "
    "SELECT session_id, payload_id, chunk_index, persisted_seq, storage_encoding, "
    "raw_size, data FROM session_payloads WHERE session_id = ANY($1::text[]) "
    "ORDER BY session_id, payload_id, chunk_index, persisted_seq";
constexpr int kFetchRows = 64;
constexpr char kClosePayloadRows[] = "CLOSE payload_rows";

// Read in binary: the summary is bytea.
constexpr char kSessionsSql[] =
    "SELECT session_id, payload_count, status, summary FROM sessions "
    "WHERE session_id = ANY($1::text[])";

constexpr char kSessionStatusesSql[] =
    "SELECT session_id, status FROM sessions WHERE session_id = ANY($1::text[])";

// Folds the rows of kDeclarePayloadRows (ordered by session, payload,
// chunk, insertion) into one StoredPayload per payload: chunk-0 copies, all
// rows, first insertion, and the size and SHA-256 of the decoded bytes in
// that order. Holds one fetch of rows at a time, never a whole payload.
class PayloadFolder {
 public:
  explicit PayloadFolder(std::vector<StoredPayload>* out) : out_(out) {}

  absl::Status Add(const PGresult* rows, int row) {
    const absl::string_view session_id = BinaryValueBytes(rows, row, 0);
    const auto payload_id = static_cast<uint64_t>(BinaryValueInt(rows, row, 1));
    if (!open_ || current_.session_id != session_id || current_.payload_id != payload_id) {
      Flush();
      current_ = StoredPayload{.session_id = std::string(session_id),
                               .payload_id = payload_id,
                               .first_seq = BinaryValueInt(rows, row, 3)};
      hasher_ = std::make_unique<Sha256Hasher>();
      open_ = true;
    }
    absl::StatusOr<std::string> data =
        DecodeStoredData(static_cast<int>(BinaryValueInt(rows, row, 4)),
                         BinaryValueBytes(rows, row, 6), BinaryValueInt(rows, row, 5));
    if (!data.ok()) {
      return absl::DataLossError(absl::StrCat("payload ", payload_id, " of session ", session_id,
                                              ": ", data.status().message()));
    }
    if (BinaryValueInt(rows, row, 2) == 0) ++current_.head_rows;
    ++current_.rows;
    current_.first_seq = std::min(current_.first_seq, BinaryValueInt(rows, row, 3));
    current_.size_bytes += static_cast<int64_t>(data->size());
    hasher_->Update(*data);
    return absl::OkStatus();
  }

  // Emits the payload being folded, if any.
  void Flush() {
    if (!open_) return;
    current_.sha256_hex = absl::BytesToHexString(hasher_->Finish());
    out_->push_back(std::move(current_));
    open_ = false;
  }

 private:
  std::vector<StoredPayload>* out_;
  StoredPayload current_;
  std::unique_ptr<Sha256Hasher> hasher_;
  bool open_ = false;
};

// Reads over one PgConnection, reconnecting when it breaks.
class PgRowReader final : public RowReader {
 public:
  PgRowReader(std::string dsn, std::unique_ptr<PgConnection> connection, size_t sessions_per_query)
      : dsn_(std::move(dsn)),
        connection_(std::move(connection)),
        sessions_per_query_(std::max<size_t>(1, sessions_per_query)) {}

  absl::StatusOr<std::vector<PayloadKey>> ReadPresentKeys(
      absl::Span<const std::string> session_ids) override {
    RETURN_IF_ERROR(EnsureConnected());
    std::vector<PayloadKey> keys;
    RETURN_IF_ERROR(ForEachBatch(session_ids, [&](absl::Span<const std::string> batch) {
      ASSIGN_OR_RETURN(PgResult result, Query(kPresentKeysSql, batch, PgFormat::kBinary));
      const PGresult* rows = result.get();
      for (int row = 0; row < PQntuples(rows); ++row) {
        keys.push_back({std::string(BinaryValueBytes(rows, row, 0)),
                        static_cast<uint64_t>(BinaryValueInt(rows, row, 1))});
      }
      return absl::OkStatus();
    }));
    return keys;
  }

  absl::StatusOr<std::vector<SessionStatus>> ReadSessionStatuses(
      absl::Span<const std::string> session_ids) override {
    RETURN_IF_ERROR(EnsureConnected());
    std::vector<SessionStatus> statuses;
    RETURN_IF_ERROR(ForEachBatch(session_ids, [&](absl::Span<const std::string> batch) {
      ASSIGN_OR_RETURN(PgResult result, Query(kSessionStatusesSql, batch));
      const PGresult* rows = result.get();
      for (int row = 0; row < PQntuples(rows); ++row) {
        statuses.push_back(
            {PQgetvalue(rows, row, 0), PQgetisnull(rows, row, 1) ? "" : PQgetvalue(rows, row, 1)});
      }
      return absl::OkStatus();
    }));
    return statuses;
  }

  absl::StatusOr<StoredRows> ReadRows(absl::Span<const std::string> session_ids) override {
    RETURN_IF_ERROR(EnsureConnected());
    // One snapshot for all batches and both tables, so a payload the worker
    // commits meanwhile cannot show in sessions.payload_count but not in
    // session_payloads.
    RETURN_IF_ERROR(connection_->Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
    StoredRows stored;
    const absl::Status read = ForEachBatch(session_ids, [&](absl::Span<const std::string> batch) {
      RETURN_IF_ERROR(ReadPayloads(batch, &stored.payloads));
      return ReadSessions(batch, &stored.sessions);
    });
    const absl::Status end = connection_->Exec(read.ok() ? "COMMIT" : "ROLLBACK");
    RETURN_IF_ERROR(read);
    RETURN_IF_ERROR(end);
    return stored;
  }

 private:
  // Calls `read` with each run of at most sessions_per_query_ of
  // `session_ids`, stopping at the first error.
  absl::Status ForEachBatch(absl::Span<const std::string> session_ids,
                            absl::FunctionRef<absl::Status(absl::Span<const std::string>)> read) {
    for (size_t begin = 0; begin < session_ids.size(); begin += sessions_per_query_) {
      RETURN_IF_ERROR(read(session_ids.subspan(begin, sessions_per_query_)));
    }
    return absl::OkStatus();
  }

  absl::Status ReadSessions(absl::Span<const std::string> session_ids,
                            std::vector<StoredSession>* sessions) {
    ASSIGN_OR_RETURN(PgResult result, Query(kSessionsSql, session_ids, PgFormat::kBinary));
    const PGresult* rows = result.get();
    for (int row = 0; row < PQntuples(rows); ++row) {
      StoredSession& session = sessions->emplace_back();
      session.session_id = std::string(BinaryValueBytes(rows, row, 0));
      session.payload_count = BinaryValueInt(rows, row, 1);
      if (!PQgetisnull(rows, row, 2)) session.status = std::string(BinaryValueBytes(rows, row, 2));
      if (!PQgetisnull(rows, row, 3)) session.summary = std::string(BinaryValueBytes(rows, row, 3));
    }
    return absl::OkStatus();
  }

  // Runs inside ReadRows' transaction (a cursor needs one).
  absl::Status ReadPayloads(absl::Span<const std::string> session_ids,
                            std::vector<StoredPayload>* payloads) {
    RETURN_IF_ERROR(Query(kDeclarePayloadRows, session_ids).status());
    const std::string fetch = absl::StrCat("FETCH ", kFetchRows, " FROM payload_rows");
    PayloadFolder folder(payloads);
    for (int fetched = kFetchRows; fetched == kFetchRows;) {
      ASSIGN_OR_RETURN(PgResult rows, connection_->Query(fetch, {}, PgFormat::kBinary));
      fetched = PQntuples(rows.get());
      for (int row = 0; row < fetched; ++row) RETURN_IF_ERROR(folder.Add(rows.get(), row));
    }
    folder.Flush();
    return connection_->Exec(kClosePayloadRows);
  }

  absl::Status EnsureConnected() {
    if (connection_->IsHealthy()) return absl::OkStatus();
    ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> reconnected,
                     PgConnection::Connect(dsn_, kConnectTimeout));
    connection_ = std::move(reconnected);
    return absl::OkStatus();
  }

  // Runs `sql` with the text[] of `session_ids` as $1.
  absl::StatusOr<PgResult> Query(const char* sql, absl::Span<const std::string> session_ids,
                                 PgFormat format = PgFormat::kText) {
    return connection_->Query(sql, {PgParam::Text(ToPgTextArray(session_ids))}, format);
  }

  const std::string dsn_;
  std::unique_ptr<PgConnection> connection_;
  const size_t sessions_per_query_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<RowReader>> ConnectPgRowReader(const std::string& dsn,
                                                              size_t sessions_per_query) {
  ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> connection,
                   PgConnection::Connect(dsn, kConnectTimeout));
  return std::make_unique<PgRowReader>(dsn, std::move(connection), sessions_per_query);
}

}  // namespace ingest::loadgen
