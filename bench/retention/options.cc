#include "bench/retention/options.h"

#include <algorithm>
#include <functional>
#include <utility>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "bench/retention/data_size.h"
#include "services/common/flags/cli.h"

namespace ingest::bench_retention {
namespace {

// A size flag in data_size.h's units; --help shows the default.
CLI::Option* AddDataSize(CLI::App& app, const std::string& name, int64_t& bytes,
                         const std::string& help) {
  return cli::AddParsed<int64_t>(app, name, bytes, ParseDataSize, "SIZE", DataSizeLabel(bytes),
                                 help);
}

// The stored writer's bytes per second the disk check allows for.
constexpr int64_t kWriterBytesPerSecond = int64_t{128} << 20;

}  // namespace

void AddRetentionBenchFlags(CLI::App& app, RetentionBenchOptions& options) {
  app.description(
      "Retention benchmark (issue 21): how long EnforceRetention takes to expire a day of 1GB "
      "and of 10GB, and the worker store's throughput while it runs. Needs only PostgreSQL. "
      "Normally run by `./dev bench retention`; by hand:\n"
      "  retention_bench --pg_dsn=DSN [flags]   (the database's worker tables are TRUNCATED)");
  app.footer("Exit status: 0 measured (targets are reported, not asserted), 1 error, 2 usage.");
  app.option_defaults()->always_capture_default();  // --help shows every flag's default
  app.add_option("--pg_dsn", options.pg_dsn,
                 "PostgreSQL to fill and expire (libpq DSN); its worker tables are truncated "
                 "before and after. Required.");
  app.add_option("--disk_check_dir", options.disk_check_dir,
                 "Check first that this directory's file system (the database's) has room for "
                 "the run; empty = no check.");
  app.add_option("--results_jsonl", options.results_jsonl,
                 "Append the results as JSON lines to this file (e.g. "
                 "bench/results/RUN/retention.jsonl).");
  app.add_option("--project", options.project_id, "project_id of every row written.");
  std::vector<std::pair<CLI::Option*, std::function<void(const RetentionBenchOptions&)>>> keep;
  auto kept = [&options](auto field) {
    return [&options, field](const RetentionBenchOptions& given) { options.*field = given.*field; };
  };
  keep.emplace_back(cli::AddParsed<std::vector<int64_t>>(
                        app, "--sizes", options.sizes, ParseDataSizeList, "SIZES",
                        DataSizeListLabel(options.sizes),
                        "Payload data in the expired day, one enforcement each (e.g. 1GB,10GB)."),
                    kept(&RetentionBenchOptions::sizes));
  AddDataSize(app, "--payload_bytes", options.payload_bytes,
              "Incompressible bytes in each expired payload row.");
  app.add_option("--payloads_per_session", options.payloads_per_session,
                 "Payload rows of each expired session.");
  keep.emplace_back(AddDataSize(app, "--fill_chunk", options.fill_chunk_bytes,
                                "Payload data per fill statement (a progress step)."),
                    kept(&RetentionBenchOptions::fill_chunk_bytes));
  keep.emplace_back(
      app.add_option("--runs", options.runs,
                     "Worker phase runs, one after another (each refills the expired day, "
                     "minutes at 10GB on 2 cores; then windows alone, with enforcement, "
                     "alone); 0 skips the phase. --quick: 1."),
      kept(&RetentionBenchOptions::runs));
  cli::AddParsed<int64_t>(
      app, "--worker_expired", options.worker_expired_bytes,
      [](absl::string_view text) -> absl::StatusOr<int64_t> {
        return text == "0" ? absl::StatusOr<int64_t>(0) : ParseDataSize(text);
      },
      "SIZE", "0",
      "Payload data enforcement expires during the worker phase; 0 = the largest "
      "of --sizes.");
  AddDataSize(app, "--record_bytes", options.record_bytes,
              "The writer's records: serialized PayloadContent of each.");
  app.add_option("--records_per_transaction", options.records_per_transaction,
                 "The writer's records per PersistBatches call (one transaction).");
  app.add_option("--writer_sessions", options.writer_sessions,
                 "Sessions the writer's records go to, round robin.");
  app.add_option("--writer_retention_days", options.writer_retention_days,
                 "Retention stamped on the writer's records (its rows land in that future "
                 "day's partitions).");
  keep.emplace_back(cli::AddDuration(app, "--warmup", options.warmup,
                                     "The writer runs this long before the first window."),
                    kept(&RetentionBenchOptions::warmup));
  keep.emplace_back(
      cli::AddDuration(app, "--window", options.window,
                       "Each window of the worker phase: alone, with enforcement (at least until "
                       "it ends), alone again."),
      kept(&RetentionBenchOptions::window));
  keep.emplace_back(AddDataSize(app, "--pool_bytes", options.pool_bytes,
                                "Distinct bodies of the writer's records, in bytes."),
                    kept(&RetentionBenchOptions::pool_bytes));
  app.add_flag("--warm_page_cache", options.warm_page_cache,
               "Time enforcement with the filled day still in the OS page cache (as the fill "
               "left it), not evicted first as an old day is: freeing gigabytes of cached pages "
               "is then part of the drop.");
  app.add_flag("--quick", options.quick,
               "Minutes: 100MB and 1GB, 1 s warm-up and 5 s windows, one run, a 4MB pool "
               "(flags given explicitly win). Keeps the harness alive; the numbers mean "
               "little.");
  // Runs once the command line is parsed; a ValidationError is how a CLI11
  // callback refuses it (cli::Parse exits 2).
  app.callback([&options, keep = std::move(keep)] {
    if (options.quick) {
      const RetentionBenchOptions given = options;
      ApplyQuick(options);
      for (const auto& [option, restore] : keep) {
        if (option->count() > 0) restore(given);
      }
    }
    if (absl::Status status = ValidateOptions(options); !status.ok()) {
      throw CLI::ValidationError(std::string(status.message()));
    }
  });
}

void ApplyQuick(RetentionBenchOptions& options) {
  options.quick = true;
  options.sizes = {100 * kMiB, kGiB};
  options.fill_chunk_bytes = 128 * kMiB;
  options.runs = 1;
  options.warmup = absl::Seconds(1);
  options.window = absl::Seconds(5);
  options.pool_bytes = 4 * kMiB;
}

absl::Status ValidateOptions(const RetentionBenchOptions& options) {
  if (options.pg_dsn.empty()) {
    return absl::InvalidArgumentError("--pg_dsn is required (./dev bench retention sets it)");
  }
  if (options.sizes.empty()) {
    return absl::InvalidArgumentError("--sizes needs at least one size, e.g. --sizes=1GB,10GB");
  }
  if (options.payload_bytes < 1024 || options.payload_bytes > 64 * kMiB) {
    return absl::InvalidArgumentError("--payload_bytes must be in [1KB, 64MB]");
  }
  if (options.payloads_per_session < 1 || options.payloads_per_session > 100000) {
    return absl::InvalidArgumentError("--payloads_per_session must be in [1, 100000]");
  }
  for (const int64_t size : options.sizes) {
    if (size < options.payload_bytes * options.payloads_per_session) {
      return absl::InvalidArgumentError(
          absl::StrCat("--sizes: ", DataSizeLabel(size),
                       " is less than one session (--payload_bytes x "
                       "--payloads_per_session = ",
                       DataSizeLabel(options.payload_bytes * options.payloads_per_session), ")"));
    }
  }
  if (options.fill_chunk_bytes < 1) {
    return absl::InvalidArgumentError("--fill_chunk must be positive");
  }
  if (options.runs < 0) return absl::InvalidArgumentError("--runs must be >= 0 (0 skips)");
  if (options.worker_expired_bytes < 0) {
    return absl::InvalidArgumentError("--worker_expired must be a size or 0");
  }
  if (options.worker_expired_bytes > 0 &&
      options.worker_expired_bytes < options.payload_bytes * options.payloads_per_session) {
    return absl::InvalidArgumentError("--worker_expired is less than one session");
  }
  if (options.record_bytes < 1024 || options.record_bytes > 8 * kMiB) {
    return absl::InvalidArgumentError("--record_bytes must be in [1KB, 8MB]");
  }
  if (options.records_per_transaction < 1 || options.writer_sessions < 1) {
    return absl::InvalidArgumentError(
        "--records_per_transaction and --writer_sessions must be positive");
  }
  if (options.writer_retention_days < 1 || options.writer_retention_days > 3650) {
    return absl::InvalidArgumentError("--writer_retention_days must be in [1, 3650]");
  }
  if (options.warmup < absl::ZeroDuration() || options.window <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--warmup must be >= 0 and --window positive");
  }
  if (options.pool_bytes < options.record_bytes) {
    return absl::InvalidArgumentError("--pool_bytes must hold at least one record");
  }
  return absl::OkStatus();
}

int64_t WorkerExpiredBytes(const RetentionBenchOptions& options) {
  if (options.worker_expired_bytes > 0) return options.worker_expired_bytes;
  return options.sizes.empty() ? 0 : *std::max_element(options.sizes.begin(), options.sizes.end());
}

FillPlan PlanFill(const RetentionBenchOptions& options, int64_t target_bytes) {
  FillPlan plan{.target_bytes = target_bytes,
                .payload_bytes = options.payload_bytes,
                .payloads_per_session = options.payloads_per_session};
  const int64_t session_bytes =
      std::max<int64_t>(1, options.payload_bytes * options.payloads_per_session);
  plan.sessions = std::max<int64_t>(1, (target_bytes + session_bytes - 1) / session_bytes);
  plan.sessions_per_chunk = std::max<int64_t>(1, options.fill_chunk_bytes / session_bytes);
  return plan;
}

int64_t DiskBytesNeeded(const RetentionBenchOptions& options) {
  int64_t largest =
      options.runs > 0 ? PlanFill(options, WorkerExpiredBytes(options)).data_bytes() : 0;
  for (const int64_t size : options.sizes) {
    largest = std::max(largest, PlanFill(options, size).data_bytes());
  }
  const double writer_seconds =
      options.runs > 0 ? absl::ToDoubleSeconds(options.warmup + 3 * options.window) : 0;
  return largest + largest / 4 + static_cast<int64_t>(writer_seconds * kWriterBytesPerSecond) +
         2 * kGiB;
}

}  // namespace ingest::bench_retention
