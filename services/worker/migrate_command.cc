#include "services/worker/migrate_command.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "services/common/pg/connection.h"
#include "services/common/pg/migrations.h"
#include "services/common/retry/backoff.h"
#include "services/common/status/pg_status.h"
#include "services/common/status/status_macros.h"

namespace ingest {
namespace {

constexpr absl::Duration kFirstBackoff = absl::Milliseconds(200);
constexpr absl::Duration kMaxBackoff = absl::Seconds(5);

absl::Status BadArgument(absl::string_view name, absl::string_view problem) {
  return absl::InvalidArgumentError(
      absl::StrCat(name, " ", problem, " (see `worker migrate --help`)"));
}

absl::Status SetDuration(absl::string_view name, absl::string_view value, bool allow_zero,
                         absl::Duration* duration) {
  if (!absl::ParseDuration(value, duration)) {
    return BadArgument(name, absl::StrCat("must be a duration like 5s or 2m, not '", value, "'"));
  }
  if (*duration < absl::ZeroDuration() || (!allow_zero && *duration == absl::ZeroDuration())) {
    return BadArgument(name, allow_zero ? "must not be negative" : "must be positive");
  }
  return absl::OkStatus();
}

// Sets the option `name` ("--pg_dsn") from `value`.
absl::Status SetOption(absl::string_view name, absl::string_view value,
                       MigrateCommandOptions& options) {
  if (name == "--pg_dsn") {
    options.dsn = std::string(value);
    return absl::OkStatus();
  }
  if (name == "--pg_lock_timeout") {
    return SetDuration(name, value, /*allow_zero=*/false, &options.lock_timeout);
  }
  if (name == "--wait") return SetDuration(name, value, /*allow_zero=*/true, &options.wait);
  if (name == "--log_format") {
    return log::ParseFormat(value, &options.log_format)
               ? absl::OkStatus()
               : BadArgument(name, "must be text or json");
  }
  if (name == "--log_level") {
    return log::ParseLevel(value, &options.log_level)
               ? absl::OkStatus()
               : BadArgument(name, "must be debug, info, warn or error");
  }
  return BadArgument(absl::StrCat("unknown argument '", name, "':"), "not an option of migrate");
}

// The environment fills options first, so the command line overrides it.
absl::Status ReadEnvironment(MigrateCommandOptions& options) {
  struct Binding {
    const char* env;
    const char* option;
  };
  for (const Binding& binding : {Binding{"PG_DSN", "--pg_dsn"},
                                 Binding{"LOG_FORMAT", "--log_format"},
                                 Binding{"LOG_LEVEL", "--log_level"}}) {
    const char* value = std::getenv(binding.env);
    if (value == nullptr || *value == '\0') continue;
    if (absl::Status status = SetOption(binding.option, value, options); !status.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("$", binding.env, ": ", status.message()));
    }
  }
  return absl::OkStatus();
}

// One connection, one ApplyMigrations. Appends to `applied`: versions an
// attempt committed before failing stay applied and are reported too.
absl::Status MigrateOnce(const MigrateCommandOptions& options, std::vector<int>& applied) {
  auto connection = PgConnection::Connect(options.dsn, options.connect_timeout);
  if (!connection.ok()) return connection.status();
  std::vector<int> this_attempt;
  const absl::Status status = ApplyMigrations(**connection, options.lock_timeout, &this_attempt);
  applied.insert(applied.end(), this_attempt.begin(), this_attempt.end());
  return status;
}

// What the operator should do about `status`.
const char* Hint(const absl::Status& status) {
  if (absl::StrContains(status.message(), "55P03")) {
    return "a long transaction holds a lock the migration needs: find it in pg_stat_activity, "
           "or raise --pg_lock_timeout";
  }
  if (!IsRetriablePgError(status)) {
    return "the migration failed and was rolled back; retrying will not help: fix the database "
           "(permissions, conflicting objects) or the migration";
  }
  return "check that PostgreSQL is up and reachable at --pg_dsn / $PG_DSN, or raise --wait";
}

}  // namespace

const char* MigrateUsage() {
  return "Applies the worker's PostgreSQL schema migrations, then exits (0: schema current).\n"
         "Usage: worker migrate --pg_dsn='host=... dbname=...' [options]\n"
         "  --pg_dsn=DSN            libpq conninfo or URI. Required. Env: PG_DSN.\n"
         "  --pg_lock_timeout=DUR   give up on a table lock after this long (default 5s).\n"
         "  --wait=DUR              keep retrying an unreachable or locked database this long\n"
         "                          (default 60s; 0 = one attempt).\n"
         "  --log_format=text|json  Env: LOG_FORMAT.   --log_level=info|...  Env: LOG_LEVEL.\n"
         "  --help                  this text.\n";
}

absl::StatusOr<MigrateCommandOptions> ParseMigrateArgs(int argc, char** argv) {
  MigrateCommandOptions options;
  RETURN_IF_ERROR(ReadEnvironment(options));
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      options.help = true;
      continue;
    }
    const size_t equals = arg.find('=');
    if (!absl::StartsWith(arg, "--") || equals == absl::string_view::npos) {
      return BadArgument(absl::StrCat("'", arg, "':"), "want --name=value");
    }
    if (absl::Status status = SetOption(arg.substr(0, equals), arg.substr(equals + 1), options);
        !status.ok()) {
      return status;
    }
  }
  if (!options.help && options.dsn.empty()) {
    return BadArgument("--pg_dsn", "is required (or set PG_DSN), e.g. "
                                   "--pg_dsn='host=127.0.0.1 port=5432 user=ingest dbname=ingest'");
  }
  return options;
}

absl::StatusOr<std::vector<int>> WaitAndMigrate(const MigrateCommandOptions& options) {
  const absl::Time give_up = absl::Now() + options.wait;
  std::vector<int> applied;
  for (int failures = 1;; ++failures) {
    const absl::Status status = MigrateOnce(options, applied);
    if (status.ok()) return applied;
    const absl::Duration backoff = CappedExponentialBackoff(kFirstBackoff, kMaxBackoff, failures);
    if (!IsRetriablePgError(status)) return status;
    if (absl::Now() + backoff > give_up) {
      return absl::Status(status.code(), absl::StrCat("gave up after ", failures, " attempts in ",
                                                      absl::FormatDuration(options.wait), ": ",
                                                      status.message()));
    }
    log::Warn("worker.migrate_retry", {{"attempt", failures},
                                       {"backoff_ms", absl::ToInt64Milliseconds(backoff)},
                                       {"error", status.ToString()}});
    absl::SleepFor(backoff);
  }
}

int RunMigrateCommand(const MigrateCommandOptions& options) {
  if (options.help) {
    std::fputs(MigrateUsage(), stdout);
    return 0;
  }
  log::Init("worker", options.log_format, options.log_level);
  const auto applied = WaitAndMigrate(options);
  if (!applied.ok()) {
    log::Error("worker.migrate_failed",
               {{"error", applied.status().ToString()}, {"hint", Hint(applied.status())}});
    return 1;
  }
  if (applied->empty()) {
    log::Info("worker.migrate_current", {{"schema_version", LatestSchemaVersion()}});
  } else {
    log::Info("worker.migrate_applied", {{"versions", absl::StrJoin(*applied, ",")},
                                         {"schema_version", LatestSchemaVersion()}});
  }
  return 0;
}

}  // namespace ingest
