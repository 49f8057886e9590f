#include "tools/chaos/pg_offsets.h"

#include <libpq-fe.h>

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/pg/connection.h"

namespace ingest::chaos {
namespace {

constexpr char kSumSql[] =
    "SELECT COALESCE(sum(next_offset), 0)::bigint FROM consumer_offsets "
    "WHERE topic = $1";

absl::StatusOr<std::unique_ptr<PgConnection>> Open(const std::string& dsn,
                                                   absl::Duration timeout) {
  absl::StatusOr<std::unique_ptr<PgConnection>> connection =
      PgConnection::Connect(dsn, timeout);
  if (!connection.ok()) return connection.status();
  const absl::Status set = (*connection)->Exec(absl::StrCat(
      "SET statement_timeout = ", absl::ToInt64Milliseconds(timeout)));
  if (!set.ok()) return set;
  return connection;
}

class PgOffsets final : public CommittedOffsetSource {
 public:
  PgOffsets(std::string dsn, std::string topic, absl::Duration timeout,
            std::unique_ptr<PgConnection> connection)
      : dsn_(std::move(dsn)), topic_(std::move(topic)), timeout_(timeout),
        connection_(std::move(connection)) {}

  absl::StatusOr<int64_t> SumNextOffsets() override {
    if (connection_ == nullptr || !connection_->IsHealthy()) {
      connection_.reset();
      absl::StatusOr<std::unique_ptr<PgConnection>> reconnected = Open(dsn_, timeout_);
      if (!reconnected.ok()) return reconnected.status();
      connection_ = *std::move(reconnected);
    }
    absl::StatusOr<PgResult> result = connection_->Query(kSumSql, {PgParam::Text(topic_)});
    if (!result.ok()) return result.status();
    int64_t sum = 0;
    if (PQntuples(result->get()) != 1 ||
        !absl::SimpleAtoi(PQgetvalue(result->get(), 0, 0), &sum)) {
      return absl::InternalError("unexpected result summing consumer_offsets.next_offset");
    }
    return sum;
  }

 private:
  const std::string dsn_;
  const std::string topic_;
  const absl::Duration timeout_;
  std::unique_ptr<PgConnection> connection_;  // null after a failed reconnect
};

}  // namespace

absl::StatusOr<std::unique_ptr<CommittedOffsetSource>> ConnectPgOffsets(
    const std::string& dsn, const std::string& topic, absl::Duration timeout) {
  absl::StatusOr<std::unique_ptr<PgConnection>> connection = Open(dsn, timeout);
  if (!connection.ok()) return connection.status();
  return std::make_unique<PgOffsets>(dsn, topic, timeout, *std::move(connection));
}

}  // namespace ingest::chaos
