#include "services/broker_proxy/retention_admin.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/broker_proxy/broker_proxy_core.h"
#include "services/common/logging/log.h"
#include "services/common/retention/expire_day.h"
#include "services/common/status/status_context.h"
#include "services/common/status/status_macros.h"

namespace ingest {
namespace {

constexpr size_t kMaxProjectIdLength = 200;
// The gateway's bound on an identify call's fields (max_field_bytes).
constexpr size_t kMaxUserIdentifierLength = 64 << 10;

constexpr char kNoDatabase[] =
    "broker-proxy was started without --pg_dsn: it cannot reach the worker's database to ";

absl::Status ValidateErasure(const v1::EraseSessionsRequest& request) {
  const bool by_id = request.session_ids_size() > 0;
  const bool by_user = !request.project_id().empty() || !request.user_identifier().empty();
  if (!by_id && !by_user) {
    return absl::InvalidArgumentError(
        "name the sessions to erase: session_ids (ingestctl sessions delete ID [ID...]) or "
        "project_id and user_identifier (ingestctl sessions delete --project=P --user=IDENTIFIER)");
  }
  if (by_id && by_user) {
    return absl::InvalidArgumentError(
        "erase either by session_ids or by project_id and user_identifier, not both: run one "
        "ingestctl sessions delete for each");
  }
  if (by_user && (request.project_id().empty() || request.user_identifier().empty())) {
    return absl::InvalidArgumentError(
        absl::StrCat("erasing a user's sessions needs both project_id and user_identifier (",
                     request.project_id().empty() ? "project_id" : "user_identifier",
                     " is empty): ingestctl sessions delete --project=P --user=IDENTIFIER"));
  }
  if (request.project_id().size() > kMaxProjectIdLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("project_id is longer than ", kMaxProjectIdLength, " characters"));
  }
  if (request.user_identifier().size() > kMaxUserIdentifierLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("user_identifier is longer than ", kMaxUserIdentifierLength,
                     " bytes, the most an identify call may send: no session can have it"));
  }
  if (request.session_ids_size() > kMaxErasureSessionIds) {
    return absl::InvalidArgumentError(
        absl::StrCat("at most ", kMaxErasureSessionIds, " session ids per erasure (",
                     request.session_ids_size(), " given): split the list"));
  }
  for (const std::string& id : request.session_ids()) {
    if (absl::Status shape = ValidateSessionIdShape(id); !shape.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("session id '", id.substr(0, 64), "': ", shape.message()));
    }
  }
  return absl::OkStatus();
}

v1::EraseSessionsResponse ErasureResponse(const ErasureResult& result, bool dry_run) {
  v1::EraseSessionsResponse response;
  for (const ErasedSession& session : result.sessions) {
    v1::ErasedSession* out = response.add_sessions();
    out->set_session_id(session.session_id);
    out->set_project_id(session.project_id);
    out->set_rows(session.rows);
    out->set_bytes(session.bytes);
  }
  response.mutable_rows_by_table()->insert(result.rows_by_table.begin(),
                                           result.rows_by_table.end());
  response.set_rows(result.rows);
  response.set_bytes(result.bytes);
  response.set_erasure_id(result.erasure_id);
  response.set_dry_run(dry_run);
  return response;
}

v1::EnforceRetentionResponse EnforcementResponse(const EnforcementReport& report, bool dry_run) {
  v1::EnforceRetentionResponse response;
  response.set_today(ExpireDay::OnDay(report.today).ToString());
  for (const DayPartition& partition : report.partitions) {
    v1::RetentionPartition* out = response.add_partitions();
    out->set_table(partition.table);
    out->set_name(partition.name);
    out->set_day(ExpireDay::OnDay(partition.day).ToString());
    out->set_bytes(partition.bytes);
  }
  response.set_bytes_dropped(report.bytes_dropped);
  response.set_sessions_deleted(report.sessions_deleted);
  response.mutable_rows_by_table()->insert(report.rows_by_table.begin(),
                                           report.rows_by_table.end());
  response.set_rows_deleted(report.rows_deleted);
  response.set_partitions_created(report.ensured.created);
  response.mutable_partitions_skipped()->Assign(report.ensured.skipped.begin(),
                                                report.ensured.skipped.end());
  response.set_partitions_busy(report.ensured.busy);
  response.set_run_id(report.run_id);
  response.set_dry_run(dry_run);
  return response;
}

}  // namespace

absl::Status ValidateRetentionAdminOptions(const RetentionAdminOptions& options) {
  if (options.legacy_retention_days < 1 || options.legacy_retention_days > 3650) {
    return absl::InvalidArgumentError(
        absl::StrCat("--legacy_retention_days must be 1 to 3650 (days; rows stored before "
                     "retention existed expire at this age), not ",
                     options.legacy_retention_days));
  }
  if (options.lookahead_days < 1 || options.lookahead_days > 365) {
    return absl::InvalidArgumentError(
        absl::StrCat("--partition_lookahead_days must be 1 to 365 (days of partitions created "
                     "ahead), not ",
                     options.lookahead_days));
  }
  if (options.lock_timeout < absl::Milliseconds(1) || options.lock_timeout > absl::Minutes(1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--retention_lock_timeout must be 1ms to 1m (how long ingest may wait behind a partition "
        "drop), not ",
        absl::FormatDuration(options.lock_timeout)));
  }
  return absl::OkStatus();
}

RetentionAdmin::RetentionAdmin(RetentionAdminOptions options, RetentionDatabase* database,
                               BrokerProxyMetrics* metrics)
    : options_(options), database_(database), metrics_(metrics) {}

RetentionAdmin::~RetentionAdmin() {
  std::thread reader;
  {
    absl::MutexLock lock(&mutex_);
    stopping_ = true;
    reader = std::move(reader_);
  }
  if (reader.joinable()) reader.join();
}

absl::StatusOr<v1::EraseSessionsResponse> RetentionAdmin::EraseSessions(
    const v1::EraseSessionsRequest& request, const std::string& operator_name) {
  RETURN_IF_ERROR(ValidateErasure(request));
  if (database_ == nullptr) return absl::UnavailableError(absl::StrCat(kNoDatabase, "erase"));
  ErasureRequest erasure;
  erasure.session_ids.assign(request.session_ids().begin(), request.session_ids().end());
  erasure.project_id = request.project_id();
  erasure.user_identifier = request.user_identifier();
  erasure.requested_by = operator_name;
  erasure.dry_run = request.dry_run();
  absl::StatusOr<ErasureResult> result = database_->Erase(erasure);
  if (absl::IsDeadlineExceeded(result.status())) {
    return WithContext(result.status(), "the erasure took longer than --admin_timeout allows",
                       "; erase fewer sessions at a time, or raise broker-proxy's --admin_timeout");
  }
  if (!result.ok()) return result.status();
  if (!request.dry_run()) {
    if (metrics_ != nullptr)
      metrics_->SessionsErased(static_cast<int64_t>(result->sessions.size()));
    // Never the user identifier (personal data; the audit row keeps its digest).
    log::Info("broker_proxy.sessions_erased",
              {{"operator", operator_name},
               {"erasure_id", result->erasure_id},
               {"scope", request.session_ids_size() > 0 ? "session" : "user"},
               {"project", request.project_id()},
               {"sessions", static_cast<int64_t>(result->sessions.size())},
               {"rows", result->rows},
               {"bytes", result->bytes}});
  }
  return ErasureResponse(*result, request.dry_run());
}

absl::StatusOr<v1::EnforceRetentionResponse> RetentionAdmin::EnforceRetention(
    const v1::EnforceRetentionRequest& request, const std::string& operator_name) {
  if (database_ == nullptr) {
    return absl::UnavailableError(absl::StrCat(kNoDatabase, "enforce retention"));
  }
  const absl::Time start = absl::Now();
  {
    absl::MutexLock lock(&mutex_);
    if (enforcing_) {
      return absl::AbortedError(absl::StrCat(
          "an enforcement is already running in this broker-proxy (started by ", enforcing_by_, " ",
          absl::FormatDuration(absl::Trunc(start - enforcing_since_, absl::Seconds(1))),
          " ago): wait for it to finish; running it again afterwards is safe"));
    }
    enforcing_ = true;
    enforcing_by_ = operator_name;
    enforcing_since_ = start;
  }
  EnforcementOptions options;
  if (!request.as_of().empty()) {
    absl::Status refused;
    absl::StatusOr<ExpireDay> as_of = ExpireDay::Parse(request.as_of());
    if (!options_.allow_as_of) {
      refused = absl::FailedPreconditionError(
          "--as-of enforces retention as if today were a later day, deleting data before its "
          "day: broker-proxy allows it only with --allow_retention_as_of (test and demo stacks)");
    } else if (!as_of.ok() || as_of->never()) {
      refused = absl::InvalidArgumentError(
          absl::StrCat("as_of '", request.as_of(), "' is not a day: write it as YYYY-MM-DD (UTC)"));
    } else {
      options.today = as_of->day();
    }
    if (!refused.ok()) {
      absl::MutexLock lock(&mutex_);
      enforcing_ = false;
      return refused;
    }
  }
  options.dry_run = request.dry_run();
  options.requested_by = operator_name;
  options.legacy_retention_days = options_.legacy_retention_days;
  options.lookahead_days = options_.lookahead_days;
  options.lock_timeout = options_.lock_timeout;
  absl::StatusOr<EnforcementReport> report = database_->Enforce(options);
  const absl::Time finished = absl::Now();
  absl::MutexLock lock(&mutex_);
  enforcing_ = false;
  if (!report.ok()) return report.status();
  if (!request.dry_run() && metrics_ != nullptr) {
    metrics_->RetentionEnforced(static_cast<int64_t>(report->partitions.size()),
                                report->bytes_dropped, report->sessions_deleted,
                                report->rows_deleted);
  }
  if (!report->incomplete.empty()) {
    // What it removed counts; the run does not: the next one finishes it.
    log::Warn("broker_proxy.retention_incomplete",
              {{"operator", operator_name},
               {"partitions_dropped", static_cast<int64_t>(report->partitions.size())},
               {"sessions_deleted", report->sessions_deleted},
               {"rows_deleted", report->rows_deleted},
               {"error", report->incomplete}});
    return absl::UnavailableError(absl::StrCat(
        report->incomplete, ". Meanwhile this run dropped ", report->partitions.size(),
        " partitions (", report->bytes_dropped, " bytes) and deleted ", report->sessions_deleted,
        " sessions (", report->rows_deleted, " rows); it is not recorded as a success"));
  }
  if (!request.dry_run()) {
    last_success_known_ = true;
    PublishLastSuccessLocked(finished);
    log::Info("broker_proxy.retention_enforced",
              {{"operator", operator_name},
               {"run_id", report->run_id},
               {"partitions_dropped", static_cast<int64_t>(report->partitions.size())},
               {"bytes_dropped", report->bytes_dropped},
               {"sessions_deleted", report->sessions_deleted},
               {"rows_deleted", report->rows_deleted},
               {"ms", absl::ToInt64Milliseconds(finished - start)}});
  }
  return EnforcementResponse(*report, request.dry_run());
}

void RetentionAdmin::RefreshLastSuccess() {
  if (database_ == nullptr) return;
  absl::MutexLock lock(&mutex_);
  if (last_success_known_ || reading_ || stopping_) return;
  reading_ = true;
  // The previous read is over (reading_ was false): its thread has ended
  // or is about to.
  if (reader_.joinable()) reader_.join();
  reader_ = std::thread([this] { ReadLastSuccess(); });
}

bool RetentionAdmin::AwaitLastSuccessRead(absl::Duration timeout) {
  absl::MutexLock lock(&mutex_);
  return mutex_.AwaitWithTimeout(absl::Condition(
                                     +[](bool* reading) { return !*reading; }, &reading_),
                                 timeout);
}

void RetentionAdmin::ReadLastSuccess() {
  absl::StatusOr<std::optional<absl::Time>> last = database_->LastEnforcement();
  absl::MutexLock lock(&mutex_);
  reading_ = false;
  if (!last.ok()) {
    if (!read_failure_logged_) {
      log::Warn("broker_proxy.retention_last_success_unread",
                {{"error", last.status().ToString()},
                 {"detail", "retried at the next scrape of /metrics or the next run"}});
      read_failure_logged_ = true;
    }
    return;
  }
  last_success_known_ = true;
  if (last->has_value()) PublishLastSuccessLocked(**last);
}

void RetentionAdmin::PublishLastSuccessLocked(absl::Time finished) {
  if (finished <= last_success_) return;
  last_success_ = finished;
  if (metrics_ != nullptr) metrics_->SetRetentionLastSuccess(finished);
}

}  // namespace ingest
