#include "services/worker/store/task_writer.h"

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/common/codec/task_codec.h"
#include "services/common/pg/pg_text_array.h"
#include "services/common/status/status_macros.h"

namespace ingest {
namespace {

constexpr char kUpsertInitializedSession[] = R"sql(
INSERT INTO sessions AS s (
  session_id, project_id, initialized_at, client_version, firstload_version, client_config,
  environment, app_version, service_name, fingerprint, client_id, enable_strict_privacy,
  enable_recording_network_contents, peer_ip, user_agent, accept_language,
  kafka_partition, last_activity_at, status)
VALUES ($1, $2, $3::timestamptz, $4, $5, $6, $7, $8, $9, $10, $11, $12::boolean, $13::boolean,
        $14, $15, $16, $17::integer, $3::timestamptz, 'live')
ON CONFLICT (session_id) DO UPDATE SET
  -- A session starts live; an init replayed later neither reopens nor
  -- moves it (session_summaries.h).
  kafka_partition = coalesce(s.kafka_partition, EXCLUDED.kafka_partition),
  last_activity_at = CASE WHEN s.status IS NULL
                          THEN greatest(s.last_activity_at, EXCLUDED.last_activity_at)
                          ELSE s.last_activity_at END,
  status = coalesce(s.status, 'live'),
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

// Identify and property updates apply only if their record came after the
// last one applied (by first position, first_position.h): a redriven or
// replayed older record changes nothing. Positions in another partition
// (the topic was repartitioned) do not compare; the update applies.
constexpr char kIdentifySession[] = R"sql(
INSERT INTO sessions AS s (session_id, project_id, user_identifier, user_object,
                           identify_partition, identify_offset)
VALUES ($1, $2, $3, jsonb_object($4::text[], $5::text[]), $6::integer, $7::bigint)
ON CONFLICT (session_id) DO UPDATE SET
  user_identifier = EXCLUDED.user_identifier,
  user_object = EXCLUDED.user_object,
  identify_partition = EXCLUDED.identify_partition,
  identify_offset = EXCLUDED.identify_offset,
  updated_at = now()
WHERE s.identify_offset IS NULL OR s.identify_partition <> EXCLUDED.identify_partition
   OR s.identify_offset < EXCLUDED.identify_offset
)sql";

constexpr char kAddSessionProperties[] = R"sql(
INSERT INTO sessions AS s (session_id, project_id, properties, properties_partition,
                           properties_offset)
VALUES ($1, $2, jsonb_object($3::text[], $4::text[]), $5::integer, $6::bigint)
ON CONFLICT (session_id) DO UPDATE SET
  properties = s.properties || EXCLUDED.properties,
  properties_partition = EXCLUDED.properties_partition,
  properties_offset = EXCLUDED.properties_offset,
  updated_at = now()
WHERE s.properties_offset IS NULL OR s.properties_partition <> EXCLUDED.properties_partition
   OR s.properties_offset < EXCLUDED.properties_offset
)sql";

constexpr char kAddSessionFeedback[] = R"sql(
WITH session AS (
  INSERT INTO sessions (session_id, project_id) VALUES ($3, $4)
  ON CONFLICT (session_id) DO NOTHING)
INSERT INTO session_feedback (kafka_partition, kafka_offset, session_id, project_id, verbatim,
                              user_name, user_email, given_at, expire_day)
VALUES ($1::integer, $2::bigint, $3, $4, $5, $6, $7, to_timestamp($8::bigint / 1000.0),
        $9::date)
ON CONFLICT (kafka_partition, kafka_offset) DO NOTHING
)sql";

constexpr char kEnsureSession[] = R"sql(
INSERT INTO sessions (session_id, project_id) VALUES ($1, $2)
ON CONFLICT (session_id) DO NOTHING
)sql";

constexpr char kInsertBackendError[] = R"sql(
INSERT INTO backend_errors (kafka_partition, kafka_offset, item, project_id, session_id, event,
  type, url, source, stack_trace, request_id, trace_id, span_id, payload, service_name,
  service_version, environment, occurred_at, received_at, expire_day)
VALUES ($1::integer, $2::bigint, $3::integer, $4, nullif($5, ''), $6, $7, $8, $9, $10, $11, $12,
        $13, $14, $15, $16, $17, to_timestamp($18::bigint / 1000.0), $19::timestamptz, $20::date)
ON CONFLICT (kafka_partition, kafka_offset, item) DO NOTHING
)sql";

constexpr char kInsertMetric[] = R"sql(
INSERT INTO metrics (kafka_partition, kafka_offset, item, project_id, session_id, name, value,
  category, metric_group, tags, occurred_at, expire_day)
VALUES ($1::integer, $2::bigint, $3::integer, $4, nullif($5, ''), $6, $7::double precision, $8,
        $9, jsonb_object($10::text[], $11::text[]), to_timestamp($12::bigint / 1000.0), $13::date)
ON CONFLICT (kafka_partition, kafka_offset, item) DO NOTHING
)sql";

// A timestamp in Unix milliseconds, or the task's receive time when unset.
int64_t MillisOr(int64_t millis, const v1::Task& task) {
  return millis > 0 ? millis : absl::ToUnixMillis(ReceivedAt(task));
}

// A string map as two PostgreSQL text[] parameters (keys, values).
std::pair<PgParam, PgParam> MapParams(const google::protobuf::Map<std::string, std::string>& map) {
  std::vector<std::string> keys;
  std::vector<std::string> values;
  for (const auto& [key, value] : map) {
    keys.push_back(key);
    values.push_back(value);
  }
  return {PgParam::Text(ToPgTextArray(keys)), PgParam::Text(ToPgTextArray(values))};
}

// Runs one statement; the rows it inserted or updated.
absl::StatusOr<int64_t> Run(PgConnection& db, const char* sql, const std::vector<PgParam>& params) {
  ASSIGN_OR_RETURN(PgResult result, db.Query(sql, params));
  return std::atoll(PQcmdTuples(result.get()));
}

absl::StatusOr<int64_t> WriteInit(PgConnection& db, int32_t partition, const v1::Task& task) {
  const v1::SessionInit& init = task.init();
  const v1::InitializeSessionRequest& request = init.request();
  return Run(db, kUpsertInitializedSession,
             {PgParam::Text(task.session_id()), PgParam::Text(task.project_id()),
              PgParam::Text(ToPgTimestamp(ReceivedAt(task))),
              PgParam::Text(request.client_version()), PgParam::Text(request.firstload_version()),
              PgParam::Text(request.client_config()), PgParam::Text(request.environment()),
              PgParam::Text(request.app_version()), PgParam::Text(request.service_name()),
              PgParam::Text(request.fingerprint()), PgParam::Text(request.client_id()),
              PgParam::Bool(request.enable_strict_privacy()),
              PgParam::Bool(request.enable_recording_network_contents()),
              PgParam::Text(init.peer_ip()), PgParam::Text(init.user_agent()),
              PgParam::Text(init.accept_language()), PgParam::Int(partition)});
}

absl::StatusOr<int64_t> WriteIdentify(PgConnection& db, FirstPosition first,
                                      const v1::Task& task) {
  auto [keys, values] = MapParams(task.identify().user_object());
  return Run(db, kIdentifySession,
             {PgParam::Text(task.session_id()), PgParam::Text(task.project_id()),
              PgParam::Text(task.identify().user_identifier()), std::move(keys),
              std::move(values), PgParam::Int(first.partition), PgParam::Int(first.offset)});
}

absl::StatusOr<int64_t> WriteProperties(PgConnection& db, FirstPosition first,
                                        const v1::Task& task) {
  auto [keys, values] = MapParams(task.properties().properties());
  return Run(db, kAddSessionProperties,
             {PgParam::Text(task.session_id()), PgParam::Text(task.project_id()), std::move(keys),
              std::move(values), PgParam::Int(first.partition), PgParam::Int(first.offset)});
}

absl::StatusOr<int64_t> WriteFeedback(PgConnection& db, FirstPosition first, const v1::Task& task,
                                      const PgParam& expire_day) {
  const v1::AddSessionFeedbackRequest& feedback = task.feedback();
  return Run(
      db, kAddSessionFeedback,
      {PgParam::Int(first.partition), PgParam::Int(first.offset), PgParam::Text(task.session_id()),
       PgParam::Text(task.project_id()), PgParam::Text(feedback.verbatim()),
       PgParam::Text(feedback.user_name()), PgParam::Text(feedback.user_email()),
       PgParam::Int(MillisOr(feedback.timestamp_ms(), task)), expire_day});
}

absl::StatusOr<int64_t> EnsureSessionOf(PgConnection& db, const v1::Task& task) {
  if (task.session_id().empty()) return 0;
  return Run(db, kEnsureSession, {PgParam::Text(task.session_id()), PgParam::Text(task.project_id())});
}

absl::StatusOr<int64_t> WriteBackendErrors(PgConnection& db, FirstPosition first,
                                           const v1::Task& task, const PgParam& expire_day) {
  absl::StatusOr<int64_t> rows = EnsureSessionOf(db, task);
  const std::string received_at = ToPgTimestamp(ReceivedAt(task));
  for (int i = 0; rows.ok() && i < task.backend_errors().errors_size(); ++i) {
    const v1::BackendError& error = task.backend_errors().errors(i);
    absl::StatusOr<int64_t> written = Run(db, kInsertBackendError,
                                          {PgParam::Int(first.partition),
                                           PgParam::Int(first.offset),
                                           PgParam::Int(i),
                                           PgParam::Text(task.project_id()),
                                           PgParam::Text(error.session_id()),
                                           PgParam::Text(error.event()),
                                           PgParam::Text(error.type()),
                                           PgParam::Text(error.url()),
                                           PgParam::Text(error.source()),
                                           PgParam::Text(error.stack_trace()),
                                           PgParam::Text(error.request_id()),
                                           PgParam::Text(error.trace_id()),
                                           PgParam::Text(error.span_id()),
                                           PgParam::Text(error.payload()),
                                           PgParam::Text(error.service_name()),
                                           PgParam::Text(error.service_version()),
                                           PgParam::Text(error.environment()),
                                           PgParam::Int(MillisOr(error.timestamp_ms(), task)),
                                           PgParam::Text(received_at),
                                           expire_day});
    rows = written.ok() ? *rows + *written : written;
  }
  return rows;
}

absl::StatusOr<int64_t> WriteMetrics(PgConnection& db, FirstPosition first, const v1::Task& task,
                                     const PgParam& expire_day) {
  absl::StatusOr<int64_t> rows = EnsureSessionOf(db, task);
  for (int i = 0; rows.ok() && i < task.metrics().metrics_size(); ++i) {
    const v1::Metric& metric = task.metrics().metrics(i);
    auto [keys, values] = MapParams(metric.tags());
    absl::StatusOr<int64_t> written =
        Run(db, kInsertMetric,
            {PgParam::Int(first.partition), PgParam::Int(first.offset), PgParam::Int(i),
             PgParam::Text(task.project_id()), PgParam::Text(metric.session_id()),
             PgParam::Text(metric.name()), PgParam::Text(absl::StrCat(metric.value())),
             PgParam::Text(metric.category()), PgParam::Text(metric.group()), std::move(keys),
             std::move(values), PgParam::Int(MillisOr(metric.timestamp_ms(), task)), expire_day});
    rows = written.ok() ? *rows + *written : written;
  }
  return rows;
}

}  // namespace

absl::StatusOr<int64_t> WriteTask(PgConnection& db, int32_t partition, const TaskRecord& record,
                                  ExpireDay expire_day) {
  const v1::Task& task = record.task;
  const FirstPosition first = record.first.Or({partition, record.offset});
  const PgParam day = PgParam::Text(expire_day.ToString());
  switch (task.type()) {
    case v1::TASK_TYPE_INITIALIZE_SESSION: return WriteInit(db, partition, task);
    case v1::TASK_TYPE_IDENTIFY_SESSION: return WriteIdentify(db, first, task);
    case v1::TASK_TYPE_ADD_SESSION_PROPERTIES: return WriteProperties(db, first, task);
    case v1::TASK_TYPE_ADD_SESSION_FEEDBACK:
      return WriteFeedback(db, first, task, day);
    case v1::TASK_TYPE_PUSH_BACKEND_ERRORS:
      return WriteBackendErrors(db, first, task, day);
    case v1::TASK_TYPE_PUSH_METRICS:
      return WriteMetrics(db, first, task, day);
    default:
      // DecodeTask admits only known types; reaching here is a bug.
      return absl::InternalError(absl::StrCat("no writer for task type ", task.type()));
  }
}

}  // namespace ingest
