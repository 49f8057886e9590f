#include "services/broker_proxy/database_offsets.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/pg/connection.h"

namespace ingest {
namespace {

class PgDatabaseOffsets final : public DatabaseOffsets {
 public:
  PgDatabaseOffsets(std::string dsn, absl::Duration timeout)
      : dsn_(std::move(dsn)), timeout_(timeout) {}

  absl::StatusOr<std::map<int32_t, int64_t>> NextOffsets(const std::string& topic) override {
    auto connection = PgConnection::Connect(dsn_, timeout_);
    if (!connection.ok()) {
      return absl::UnavailableError(
          absl::StrCat("PostgreSQL (the worker's offsets): ", connection.status().message()));
    }
    absl::Status timeout_set = (*connection)->Exec(
        absl::StrCat("SET statement_timeout = ", absl::ToInt64Milliseconds(timeout_)));
    if (!timeout_set.ok()) return timeout_set;
    auto result = (*connection)->Query(
        "SELECT partition, next_offset FROM consumer_offsets WHERE topic = $1",
        {PgParam::Text(topic)});
    if (!result.ok()) {
      return absl::Status(result.status().code(),
                          absl::StrCat("reading consumer_offsets: ", result.status().message()));
    }
    std::map<int32_t, int64_t> offsets;
    for (int row = 0; row < PQntuples(result->get()); ++row) {
      int32_t partition = 0;
      int64_t offset = 0;
      if (absl::SimpleAtoi(PQgetvalue(result->get(), row, 0), &partition) &&
          absl::SimpleAtoi(PQgetvalue(result->get(), row, 1), &offset)) {
        offsets[partition] = offset;
      }
    }
    return offsets;
  }

 private:
  const std::string dsn_;
  const absl::Duration timeout_;
};

}  // namespace

std::unique_ptr<DatabaseOffsets> CreatePgDatabaseOffsets(std::string dsn, absl::Duration timeout) {
  return std::make_unique<PgDatabaseOffsets>(std::move(dsn), timeout);
}

}  // namespace ingest
