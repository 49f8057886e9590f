#include "tools/chaos/pg_offsets.h"

#include <libpq-fe.h>

#include <map>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/pg/bounded_connection.h"
#include "services/common/pg/connection.h"
#include "services/common/status/status_macros.h"

namespace ingest::chaos {
namespace {

constexpr char kPartitionsSql[] =
    "SELECT partition, next_offset FROM consumer_offsets WHERE topic = $1";

// The watcher's own connection: connecting and each query bounded by `timeout`.
absl::StatusOr<std::unique_ptr<PgConnection>> Open(const std::string& dsn,
                                                   absl::Duration timeout) {
  return ConnectBounded(dsn, timeout, "the worker's consumer_offsets", PgAccess::kReadOnly);
}

class PgOffsets final : public PartitionCommittedOffsetSource {
 public:
  PgOffsets(std::string dsn, std::string topic, absl::Duration timeout,
            std::unique_ptr<PgConnection> connection)
      : dsn_(std::move(dsn)), topic_(std::move(topic)), timeout_(timeout),
        connection_(std::move(connection)) {}

  absl::StatusOr<int64_t> SumNextOffsets() override {
    ASSIGN_OR_RETURN(const auto offsets, ReadNextOffsets());
    int64_t sum = 0;
    for (const auto& [partition, next_offset] : offsets) sum += next_offset;
    return sum;
  }

  absl::StatusOr<std::map<int32_t, int64_t>> ReadNextOffsets() override {
    if (connection_ == nullptr || !connection_->IsHealthy()) {  // lost: reconnect first
      connection_.reset();
      ASSIGN_OR_RETURN(connection_, Open(dsn_, timeout_));
    }
    ASSIGN_OR_RETURN(PgResult result, connection_->Query(kPartitionsSql, {PgParam::Text(topic_)}));
    std::map<int32_t, int64_t> offsets;
    for (int row = 0; row < PQntuples(result.get()); ++row) {
      int32_t partition = 0;
      int64_t next_offset = 0;
      if (!absl::SimpleAtoi(PQgetvalue(result.get(), row, 0), &partition) ||
          !absl::SimpleAtoi(PQgetvalue(result.get(), row, 1), &next_offset)) {
        return absl::InternalError("unexpected row reading consumer_offsets");
      }
      offsets[partition] = next_offset;
    }
    return offsets;
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
  ASSIGN_OR_RETURN(std::unique_ptr<PartitionCommittedOffsetSource> source,
                   ConnectPgPartitionOffsets(dsn, topic, timeout));
  return std::unique_ptr<CommittedOffsetSource>(std::move(source));
}

absl::StatusOr<std::unique_ptr<PartitionCommittedOffsetSource>> ConnectPgPartitionOffsets(
    const std::string& dsn, const std::string& topic, absl::Duration timeout) {
  ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> connection, Open(dsn, timeout));
  return std::make_unique<PgOffsets>(dsn, topic, timeout, std::move(connection));
}

}  // namespace ingest::chaos
