#include "services/broker_proxy/database_offsets.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/pg/bounded_connection.h"
#include "services/common/pg/connection.h"
#include "services/common/status/status_context.h"
#include "services/common/status/status_macros.h"

namespace ingest {
namespace {

// Unconditional, unlike the worker's forward-only upsert: a reset may move
// a partition back.
constexpr char kSetNextOffset[] = R"sql(
INSERT INTO consumer_offsets (topic, partition, next_offset)
VALUES ($1, $2::integer, $3::bigint)
ON CONFLICT (topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset, updated_at = now()
)sql";

class PgDatabaseOffsets final : public DatabaseOffsets {
 public:
  PgDatabaseOffsets(std::string dsn, absl::Duration timeout)
      : dsn_(std::move(dsn)), timeout_(timeout) {}

  absl::StatusOr<std::map<int32_t, int64_t>> NextOffsets(const std::string& topic) override {
    ASSIGN_OR_RETURN(auto connection, Connect());
    auto result =
        connection->Query("SELECT partition, next_offset FROM consumer_offsets WHERE topic = $1",
                          {PgParam::Text(topic)});
    if (!result.ok()) {
      return WithContext(result.status(), "reading consumer_offsets");
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

  absl::Status SetNextOffsets(const std::string& topic,
                              const std::map<int32_t, int64_t>& offsets) override {
    if (offsets.empty()) return absl::OkStatus();
    auto connection = Connect();
    if (!connection.ok()) return connection.status();
    PgConnection& db = **connection;
    RETURN_IF_ERROR(db.Exec("BEGIN"));
    for (const auto& [partition, offset] : offsets) {
      auto written = db.Query(kSetNextOffset, {PgParam::Text(topic),
                                               PgParam::Text(absl::StrCat(partition)),
                                               PgParam::Text(absl::StrCat(offset))});
      if (!written.ok()) {
        (void)db.Exec("ROLLBACK");  // the connection is closed right after anyway
        return WithContext(written.status(),
                           absl::StrCat("writing consumer_offsets of ", topic, "/", partition));
      }
    }
    if (absl::Status committed = db.Exec("COMMIT"); !committed.ok()) {
      return WithContext(committed, "committing consumer_offsets");
    }
    return absl::OkStatus();
  }

 private:
  absl::StatusOr<std::unique_ptr<PgConnection>> Connect() {
    return ConnectBounded(dsn_, timeout_, "the worker's offsets");
  }

  const std::string dsn_;
  const absl::Duration timeout_;
};

}  // namespace

std::unique_ptr<DatabaseOffsets> CreatePgDatabaseOffsets(std::string dsn, absl::Duration timeout) {
  return std::make_unique<PgDatabaseOffsets>(std::move(dsn), timeout);
}

}  // namespace ingest
