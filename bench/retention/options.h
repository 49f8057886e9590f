#pragma once

// Everything a retention benchmark run needs, its command line (flags bound
// straight to the fields, whose initializers are the defaults), validated in
// one place, and what it implies: how a day of expired data is laid out and
// how much disk the run needs.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace CLI {
class App;
}  // namespace CLI

namespace ingest::bench_retention {

// The targets of issue 21's performance section. Reported, never asserted.
struct Targets {
  // Enforcement of the largest size within this many times the smallest
  // size's time, plus the slack ("about the same at 1 GB and 10 GB").
  double max_enforce_growth = 2.0;
  absl::Duration enforce_slack = absl::Seconds(1);
  // The worker's records/s during enforcement over without, at least.
  double min_worker_ratio = 0.9;
};

struct RetentionBenchOptions {
  // The database (./dev bench retention: a fresh cluster of its own). Its
  // worker tables are truncated before and after the run.
  std::string pg_dsn;
  std::string disk_check_dir;  // free space checked here first; empty = not checked
  std::string results_jsonl;   // appended to; empty = none
  std::string project_id = "bench-retention";

  // Enforcement time: one past day holding each of these amounts of payload
  // data, expired by one EnforceRetention each.
  std::vector<int64_t> sizes = {int64_t{1} << 30, int64_t{10} << 30};
  // The expired day's rows: payloads of this many incompressible bytes,
  // this many to a session (a few hundred KB to a MB per session).
  int64_t payload_bytes = 100 * 1024;
  int payloads_per_session = 8;
  // Each fill statement inserts about this much (a progress step).
  int64_t fill_chunk_bytes = int64_t{256} << 20;

  // The worker's throughput: a writer through the worker's store
  // (CreatePgTaskStore + PersistBatches), a window without enforcement, a
  // window while enforcement expires a day of `worker_expired_bytes` (0 =
  // the largest of `sizes`; refilled for each run), and one without again.
  // runs = 0 skips it.
  int runs = 2;
  int64_t worker_expired_bytes = 0;
  int64_t record_bytes = 100 * 1024;  // serialized PayloadContent of each record
  int records_per_transaction = 100;
  int writer_sessions = 8;
  int writer_retention_days = 30;
  absl::Duration warmup = absl::Seconds(5);
  absl::Duration window = absl::Seconds(20);
  int64_t pool_bytes = int64_t{16} << 20;  // distinct bodies of the writer's records

  bool quick = false;  // --quick: ApplyQuick
  // Keep the filled day's files in the page cache (as the fill left them)
  // instead of evicting them before enforcement (page_cache.h).
  bool warm_page_cache = false;
  Targets targets;
};

// Binds every flag to its field of `options`. Once `app` has parsed,
// --quick has been applied (flags given explicitly still win) and the
// options validated: a failure is a usage error (cli::Parse exits 2).
// `options` must outlive the parse.
void AddRetentionBenchFlags(CLI::App& app, RetentionBenchOptions& options);

// Minutes instead of most of an hour (./dev bench retention --quick, also
// from ./dev test): 100MB and 1GB, 5 s windows, one run, a small pool.
void ApplyQuick(RetentionBenchOptions& options);

absl::Status ValidateOptions(const RetentionBenchOptions& options);

// The day the worker phase expires: worker_expired_bytes, or the largest size.
int64_t WorkerExpiredBytes(const RetentionBenchOptions& options);

// What one expired day holds: whole sessions of payloads_per_session rows
// of payload_bytes, at least `target_bytes` of payload data, filled
// sessions_per_chunk sessions per statement.
struct FillPlan {
  int64_t target_bytes = 0;
  int64_t payload_bytes = 0;
  int payloads_per_session = 0;
  int64_t sessions = 0;
  int64_t sessions_per_chunk = 0;

  int64_t rows() const { return sessions * payloads_per_session; }
  int64_t data_bytes() const { return rows() * payload_bytes; }
  int64_t chunks() const { return (sessions + sessions_per_chunk - 1) / sessions_per_chunk; }
};

FillPlan PlanFill(const RetentionBenchOptions& options, int64_t target_bytes);

// Free space the run needs: the largest day filled (data, TOAST pages,
// keys and the write-ahead log it churns through, 1.25x), one run's writer
// (warm-up and three windows at a generous 128 MB/s stored, truncated
// between runs), and 2 GB to spare.
int64_t DiskBytesNeeded(const RetentionBenchOptions& options);

}  // namespace ingest::bench_retention
