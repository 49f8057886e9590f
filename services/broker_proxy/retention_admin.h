#pragma once

// RetentionAdmin: what broker-proxy does for EraseSessions and
// EnforceRetention, without gRPC. Takes and returns the admin.proto
// messages, errors as absl::Status (mapped to gRPC in BrokerProxyService):
//   INVALID_ARGUMENT  an erasure naming neither sessions nor a user, or both,
//                     or malformed ids (the message says what to write)
//   ABORTED           an enforcement is already running in this process
//   UNAVAILABLE       without --pg_dsn, or PostgreSQL did not answer
// It keeps the retention metrics: what runs removed, erasures, and when
// retention last succeeded (from this process's runs, else retention_runs,
// read in the background at start and before each scrape until it was
// read once).
//
// Erasures and enforcement block on PostgreSQL: call them off gRPC's
// callback threads. Thread-safe.

#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "ingest/v1/admin.pb.h"
#include "services/broker_proxy/broker_proxy_metrics.h"
#include "services/broker_proxy/retention_database.h"

namespace ingest {

struct RetentionAdminOptions {
  // Rows stored before retention existed expire at this age
  // (--legacy_retention_days, 1..3650).
  int legacy_retention_days = 30;
  // Partitions are kept this many days ahead of each retention in use
  // (--partition_lookahead_days, 1..365).
  int lookahead_days = 7;
  // How long a partition drop may wait for its lock, i.e. how long ingest
  // may wait behind it (--retention_lock_timeout, 1ms..1m).
  absl::Duration lock_timeout = absl::Seconds(2);
  // Whether a request may name the day to enforce as of (as_of): test and
  // demo stacks only (--allow_retention_as_of).
  bool allow_as_of = false;
};

// INVALID_ARGUMENT naming the flag and its range.
absl::Status ValidateRetentionAdminOptions(const RetentionAdminOptions& options);

// EraseSessions takes at most this many session ids at once.
inline constexpr int kMaxErasureSessionIds = 1000;

class RetentionAdmin {
 public:
  // `database` null (no --pg_dsn): both RPCs are UNAVAILABLE and the last
  // success stays 0. `metrics` may be null (tests). Both must outlive this.
  RetentionAdmin(RetentionAdminOptions options, RetentionDatabase* database,
                 BrokerProxyMetrics* metrics);
  // Waits for a read of the last success still under way.
  ~RetentionAdmin();

  // Erases (or, dry, counts) the sessions named by id or by a project's
  // user; `operator_name` goes to the audit row. The sessions, their rows
  // and bytes, the rows per table, and the erasure's id.
  absl::StatusOr<v1::EraseSessionsResponse> EraseSessions(const v1::EraseSessionsRequest& request,
                                                          const std::string& operator_name);

  // One enforcement (or dry run) with these options; `operator_name` goes
  // to its retention_runs row. ABORTED while another call of this process
  // is enforcing.
  absl::StatusOr<v1::EnforceRetentionResponse> EnforceRetention(
      const v1::EnforceRetentionRequest& request, const std::string& operator_name);

  // Reads when retention last succeeded from the database, in the
  // background, unless it was read (or a run succeeded) already or a read
  // is under way; returns at once. Called at start and before each scrape
  // of /metrics, so an unreachable database is asked again at the next.
  void RefreshLastSuccess();

  // Waits up to `timeout` for a read started by RefreshLastSuccess to end;
  // true when none is under way (tests).
  bool AwaitLastSuccessRead(absl::Duration timeout);

 private:
  void ReadLastSuccess();
  // The gauge follows the newest time it is told.
  void PublishLastSuccessLocked(absl::Time finished) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const RetentionAdminOptions options_;
  RetentionDatabase* const database_;
  BrokerProxyMetrics* const metrics_;

  absl::Mutex mutex_;
  // The enforcement under way: who started it and when.
  bool enforcing_ ABSL_GUARDED_BY(mutex_) = false;
  std::string enforcing_by_ ABSL_GUARDED_BY(mutex_);
  absl::Time enforcing_since_ ABSL_GUARDED_BY(mutex_);
  // The last success published; whether it is known (read, or a run of this
  // process succeeded).
  absl::Time last_success_ ABSL_GUARDED_BY(mutex_) = absl::UnixEpoch();
  bool last_success_known_ ABSL_GUARDED_BY(mutex_) = false;
  bool reading_ ABSL_GUARDED_BY(mutex_) = false;
  bool read_failure_logged_ ABSL_GUARDED_BY(mutex_) = false;
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  std::thread reader_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace ingest
