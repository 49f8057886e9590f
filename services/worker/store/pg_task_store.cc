#include "services/worker/store/pg_task_store.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "services/common/logging/log.h"
#include "services/common/pg/connection.h"
#include "services/worker/store/task_writer.h"

namespace ingest {
namespace {

// Never moves an offset backwards (a stale owner cannot undo progress).
constexpr char kStoreOffset[] = R"sql(
INSERT INTO consumer_offsets AS o (topic, partition, next_offset)
VALUES ($1, $2::integer, $3::bigint)
ON CONFLICT (topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset, updated_at = now()
WHERE o.next_offset < EXCLUDED.next_offset
)sql";

class PgTaskStore final : public TaskStore {
 public:
  explicit PgTaskStore(PgTaskStoreOptions options) : options_(std::move(options)) {}

  absl::StatusOr<PartitionOffsets> LoadNextOffsets(const std::string& topic,
                                                   const std::vector<int32_t>& partitions) override {
    auto connection = Connection();
    if (!connection.ok()) return connection.status();
    auto result = (*connection)->Query(
        "SELECT partition, next_offset FROM consumer_offsets "
        "WHERE topic = $1 AND partition = ANY($2::integer[])",
        {PgParam::Text(topic), PgParam::Text(absl::StrCat("{", absl::StrJoin(partitions, ","), "}"))});
    if (!result.ok()) return Failed(result.status());
    PartitionOffsets offsets;
    for (int row = 0; row < PQntuples(result->get()); ++row) {
      offsets[std::atoi(PQgetvalue(result->get(), row, 0))] =
          std::atoll(PQgetvalue(result->get(), row, 1));
    }
    return offsets;
  }

  absl::Status PersistBatch(const std::string& topic, int32_t partition,
                            absl::Span<const TaskRecord> records, int64_t next_offset) override {
    auto connection = Connection();
    if (!connection.ok()) return connection.status();
    PgConnection& db = **connection;
    absl::Status status = db.Exec(absl::StrCat(
        "BEGIN; SET LOCAL lock_timeout = '", absl::ToInt64Milliseconds(options_.lock_timeout),
        "ms'; SET LOCAL statement_timeout = '",
        absl::ToInt64Milliseconds(options_.statement_timeout), "ms'"));
    for (size_t i = 0; status.ok() && i < records.size(); ++i) {
      status = WriteTask(db, partition, records[i]);
    }
    if (status.ok()) {
      status = db.Query(kStoreOffset, {PgParam::Text(topic), PgParam::Int(partition),
                                       PgParam::Int(next_offset)})
                   .status();
    }
    if (status.ok()) status = db.Exec("COMMIT");
    if (!status.ok()) {
      if (db.IsHealthy()) (void)db.Exec("ROLLBACK");
      return Failed(status);
    }
    return absl::OkStatus();
  }

 private:
  absl::StatusOr<PgConnection*> Connection() {
    if (connection_ != nullptr && connection_->IsHealthy()) return connection_.get();
    connection_.reset();
    auto connected = PgConnection::Connect(options_.dsn, options_.connect_timeout);
    if (!connected.ok()) return connected.status();
    connection_ = std::move(connected).value();
    log::Info("pg.connected");
    return connection_.get();
  }

  // Drops a connection that broke so the next call reconnects.
  absl::Status Failed(absl::Status status) {
    if (connection_ != nullptr && !connection_->IsHealthy()) connection_.reset();
    return status;
  }

  const PgTaskStoreOptions options_;
  std::unique_ptr<PgConnection> connection_;
};

}  // namespace

std::unique_ptr<TaskStore> CreatePgTaskStore(const PgTaskStoreOptions& options) {
  return std::make_unique<PgTaskStore>(options);
}

}  // namespace ingest
