#include "services/worker/store/pg_task_store.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/common/logging/log.h"
#include "services/common/pg/connection.h"
#include "services/common/status/status_macros.h"
#include "services/worker/store/batch_day_partitions.h"
#include "services/worker/store/partition_state.h"
#include "services/worker/store/transaction_body.h"

namespace ingest {
namespace {

constexpr char kExpireStreamChunks[] = R"sql(
WITH expired AS (
  SELECT ctid FROM stream_chunks
  WHERE persisted_at < now() - make_interval(secs => $1::double precision)
  LIMIT $2::integer FOR UPDATE SKIP LOCKED)
DELETE FROM stream_chunks c USING expired e WHERE c.ctid = e.ctid
)sql";

// Uses the partial index sessions_live_by_partition.
constexpr char kLiveSessions[] = R"sql(
SELECT count(*), coalesce(extract(epoch FROM min(last_activity_at)) * 1000, -1)::bigint
FROM sessions WHERE status = 'live'
)sql";

class PgTaskStore final : public TaskStore {
 public:
  explicit PgTaskStore(PgTaskStoreOptions options) : options_(std::move(options)) {}

  absl::StatusOr<PartitionOffsets> LoadNextOffsets(const std::string& topic,
                                                   const std::vector<int32_t>& partitions) override {
    absl::StatusOr<PgConnection*> db = Connection();
    if (!db.ok()) return db.status();
    return Checked(ingest::LoadNextOffsets(**db, topic, partitions));
  }

  absl::StatusOr<QuarantinedSessions> LoadQuarantinedSessions(
      const std::string& topic, const std::vector<int32_t>& partitions) override {
    absl::StatusOr<PgConnection*> db = Connection();
    if (!db.ok()) return db.status();
    return Checked(ingest::LoadQuarantinedSessions(**db, topic, partitions));
  }

  absl::StatusOr<std::optional<QuarantineRow>> LoadQuarantine(
      const std::string& topic, const std::string& session_id) override {
    absl::StatusOr<PgConnection*> db = Connection();
    if (!db.ok()) return db.status();
    return Checked(ingest::LoadQuarantine(**db, topic, session_id));
  }

  absl::StatusOr<PersistOutcome> PersistBatches(const std::string& topic,
                                                absl::Span<const PartitionBatch> batches,
                                                const DeadLetterSink& sink) override {
    absl::StatusOr<PgConnection*> connection = Connection();
    if (!connection.ok()) return connection.status();
    PgConnection& db = **connection;
    if (absl::Status made = batch_days_.EnsureFor(db, batches, options_.default_retention_days);
        !made.ok()) {
      return Failed(made);
    }
    PersistOutcome started;
    absl::Status status = db.Exec(absl::StrCat(
        "BEGIN; SET LOCAL lock_timeout = '", absl::ToInt64Milliseconds(options_.lock_timeout),
        "ms'; SET LOCAL statement_timeout = '",
        absl::ToInt64Milliseconds(options_.statement_timeout), "ms'"));
    started.phases.Lap("begin");
    absl::StatusOr<PersistOutcome> outcome =
        status.ok() ? WriteTransactionBody(db, topic, batches, options_.lifecycle,
                                           options_.default_retention_days, std::move(started))
                    : absl::StatusOr<PersistOutcome>(status);
    // The letters must be in the DLQ before the offset moves past them.
    if (outcome.ok() && !outcome->dead_letters.empty()) {
      status = sink(outcome->dead_letters);
      outcome->phases.Lap("dead_letters");
    }
    if (outcome.ok() && status.ok()) {
      status = db.Exec("COMMIT");
      outcome->phases.Lap("commit");
    }
    if (!outcome.ok()) status = outcome.status();
    if (!status.ok()) {
      if (db.IsHealthy()) (void)db.Exec("ROLLBACK");
      return Failed(status);
    }
    return outcome;
  }

  absl::StatusOr<int64_t> ExpireStreamChunks(absl::Duration older_than, int max_rows) override {
    ASSIGN_OR_RETURN(PgConnection * db, Connection());
    ASSIGN_OR_RETURN(
        PgResult deleted,
        Checked(db->Query(kExpireStreamChunks,
                          {PgParam::Text(absl::StrCat(absl::ToDoubleSeconds(older_than))),
                           PgParam::Int(max_rows)})));
    return static_cast<int64_t>(std::atoll(PQcmdTuples(deleted.get())));
  }

  absl::StatusOr<LiveSessions> ReadLiveSessions() override {
    ASSIGN_OR_RETURN(PgConnection * db, Connection());
    ASSIGN_OR_RETURN(PgResult result, Checked(db->Query(kLiveSessions, {})));
    LiveSessions live;
    live.count = std::atoll(PQgetvalue(result.get(), 0, 0));
    const int64_t oldest_ms = std::atoll(PQgetvalue(result.get(), 0, 1));
    if (oldest_ms >= 0) live.oldest_activity = absl::FromUnixMillis(oldest_ms);
    return live;
  }

  absl::StatusOr<PartitionsEnsured> EnsureDayPartitions(int lookahead_days,
                                                        int default_retention_days) override {
    ASSIGN_OR_RETURN(PgConnection * db, Connection());
    ASSIGN_OR_RETURN(absl::CivilDay today, Checked(DatabaseToday(*db)));
    const int retention[] = {default_retention_days};
    return Checked(ingest::EnsureDayPartitions(*db, today, lookahead_days, retention));
  }

  absl::Status Ping() override {
    ASSIGN_OR_RETURN(PgConnection * db, Connection());
    absl::Status status = db->Exec("SELECT 1");
    return status.ok() ? status : Failed(status);
  }

 private:
  absl::StatusOr<PgConnection*> Connection() {
    if (connection_ != nullptr && connection_->IsHealthy()) return connection_.get();
    connection_.reset();
    auto connected = PgConnection::Connect(options_.dsn, options_.connect_timeout);
    if (!connected.ok()) return connected.status();
    // Outside a batch's transaction too (partition maintenance), a locked
    // table fails a statement after lock_timeout instead of hanging the
    // worker, and a maintainer never holds a lock ingest waits on for long.
    if (absl::Status set =
            (*connected)
                ->Exec(absl::StrCat("SET lock_timeout = '",
                                    absl::ToInt64Milliseconds(options_.lock_timeout), "ms'"));
        !set.ok()) {
      return set;
    }
    connection_ = std::move(connected).value();
    log::Info("pg.connected");
    return connection_.get();
  }

  // Drops a connection that broke so the next call reconnects.
  absl::Status Failed(absl::Status status) {
    if (connection_ != nullptr && !connection_->IsHealthy()) connection_.reset();
    return status;
  }

  // Passes `result` through, dropping the connection if it broke.
  template <typename T>
  absl::StatusOr<T> Checked(absl::StatusOr<T> result) {
    if (!result.ok()) return Failed(result.status());
    return result;
  }

  const PgTaskStoreOptions options_;
  std::unique_ptr<PgConnection> connection_;
  BatchDayPartitions batch_days_;
};

}  // namespace

std::unique_ptr<TaskStore> CreatePgTaskStore(const PgTaskStoreOptions& options) {
  return std::make_unique<PgTaskStore>(options);
}

}  // namespace ingest
