#include "services/worker/store/pg_task_store.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "services/common/logging/log.h"
#include "services/common/pg/connection.h"

namespace ingest {
namespace {

constexpr char kUpsertInitializedSession[] = R"sql(
INSERT INTO sessions AS s (
  session_id, project_id, initialized_at, client_version, firstload_version, client_config,
  environment, app_version, service_name, fingerprint, client_id, enable_strict_privacy,
  enable_recording_network_contents, peer_ip, user_agent, accept_language)
VALUES ($1, $2, $3::timestamptz, $4, $5, $6, $7, $8, $9, $10, $11, $12::boolean, $13::boolean,
        $14, $15, $16)
ON CONFLICT (session_id) DO UPDATE SET
  initialized_at = coalesce(s.initialized_at, EXCLUDED.initialized_at),
  client_version = EXCLUDED.client_version,
  firstload_version = EXCLUDED.firstload_version,
  client_config = EXCLUDED.client_config,
  environment = EXCLUDED.environment,
  app_version = EXCLUDED.app_version,
  service_name = EXCLUDED.service_name,
  fingerprint = EXCLUDED.fingerprint,
  client_id = EXCLUDED.client_id,
  enable_strict_privacy = EXCLUDED.enable_strict_privacy,
  enable_recording_network_contents = EXCLUDED.enable_recording_network_contents,
  peer_ip = EXCLUDED.peer_ip,
  user_agent = EXCLUDED.user_agent,
  accept_language = EXCLUDED.accept_language,
  updated_at = now()
)sql";

// Inserts the payload if it is new and, in the same statement, creates or
// updates its session's counters only for a payload that was really inserted:
// replaying a record changes nothing.
constexpr char kInsertPayload[] = R"sql(
WITH inserted AS (
  INSERT INTO session_payloads (
    session_id, payload_id, chunk_index, content_encoding, raw_size, data, is_beacon,
    received_at, kafka_partition, kafka_offset)
  VALUES ($1, $3::bigint, $4::integer, $5::smallint, $6::bigint, $7, $8::boolean,
          $9::timestamptz, $10::integer, $11::bigint)
  ON CONFLICT (session_id, payload_id, chunk_index) DO NOTHING
  RETURNING payload_id)
INSERT INTO sessions AS s (session_id, project_id, payload_count, last_payload_id,
                           payload_id_gaps, has_unloaded)
SELECT $1, $2, count(*), coalesce(max(payload_id), 0),
       greatest(coalesce(max(payload_id), 0) - 1, 0), $12::boolean
FROM inserted
ON CONFLICT (session_id) DO UPDATE SET
  payload_count = s.payload_count + EXCLUDED.payload_count,
  payload_id_gaps = s.payload_id_gaps + CASE WHEN EXCLUDED.payload_count > 0
      THEN greatest(EXCLUDED.last_payload_id - s.last_payload_id - 1, 0) ELSE 0 END,
  last_payload_id = greatest(s.last_payload_id, EXCLUDED.last_payload_id),
  has_unloaded = s.has_unloaded OR EXCLUDED.has_unloaded,
  updated_at = now()
)sql";

// Never moves an offset backwards (a stale owner cannot undo progress).
constexpr char kStoreOffset[] = R"sql(
INSERT INTO consumer_offsets AS o (topic, partition, next_offset)
VALUES ($1, $2::integer, $3::bigint)
ON CONFLICT (topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset, updated_at = now()
WHERE o.next_offset < EXCLUDED.next_offset
)sql";

std::string TimestampText(const google::protobuf::Timestamp& timestamp) {
  const absl::Time time = absl::FromUnixSeconds(timestamp.seconds()) +
                          absl::Nanoseconds(timestamp.nanos());
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6S+00:00", time, absl::UTCTimeZone());
}

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
      status = PersistOne(db, partition, records[i]);
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
  absl::Status PersistOne(PgConnection& db, int32_t partition, const TaskRecord& record) {
    const v1::Task& task = record.task;
    if (task.type() == v1::TASK_TYPE_INITIALIZE_SESSION) {
      const v1::SessionInit& init = task.init();
      const v1::InitializeSessionRequest& request = init.request();
      return db.Query(kUpsertInitializedSession,
                      {PgParam::Text(task.session_id()), PgParam::Text(task.project_id()),
                       PgParam::Text(TimestampText(task.received_at())),
                       PgParam::Text(request.client_version()),
                       PgParam::Text(request.firstload_version()),
                       PgParam::Text(request.client_config()), PgParam::Text(request.environment()),
                       PgParam::Text(request.app_version()), PgParam::Text(request.service_name()),
                       PgParam::Text(request.fingerprint()), PgParam::Text(request.client_id()),
                       PgParam::Bool(request.enable_strict_privacy()),
                       PgParam::Bool(request.enable_recording_network_contents()),
                       PgParam::Text(init.peer_ip()), PgParam::Text(init.user_agent()),
                       PgParam::Text(init.accept_language())})
          .status();
    }
    const v1::Payload& payload = task.payload();
    const std::string data = payload.content().SerializeAsString();
    return db.Query(kInsertPayload,
                    {PgParam::Text(task.session_id()), PgParam::Text(task.project_id()),
                     PgParam::Int(static_cast<int64_t>(task.payload_id())),
                     PgParam::Int(task.chunk_index()), PgParam::Int(payload.content_encoding()),
                     PgParam::Int(static_cast<int64_t>(data.size())), PgParam::Bytes(data),
                     PgParam::Bool(payload.is_beacon()),
                     PgParam::Text(TimestampText(task.received_at())), PgParam::Int(partition),
                     PgParam::Int(record.offset), PgParam::Bool(payload.has_session_unloaded())})
        .status();
  }

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
