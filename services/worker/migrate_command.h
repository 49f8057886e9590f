#pragma once

// `worker migrate`: applies the PostgreSQL schema migrations and exits, so a
// Kubernetes init container (or a Job, or an operator by hand) can bring the
// schema up to date before any worker starts consuming.
//
// It has its own tiny argument parser rather than absl flags: the worker's
// absl flags are global and belong to the serve mode, whose required flags
// (--kafka_bootstrap, ...) make no sense here.
//
// Wiring in main():
//   if (argc > 1 && absl::string_view(argv[1]) == "migrate") {
//     auto options = ingest::ParseMigrateArgs(argc - 1, argv + 1);
//     if (!options.ok()) { /* print options.status().message() */ return 2; }
//     return ingest::RunMigrateCommand(*options);
//   }

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/logging/log.h"

namespace ingest {

struct MigrateCommandOptions {
  // libpq conninfo or URI. --pg_dsn, else $PG_DSN.
  std::string dsn;
  // How long each connection attempt may take.
  absl::Duration connect_timeout = absl::Seconds(5);
  // Each migration statement gives up on a table lock after this long
  // (then the attempt is retried within `wait`). --pg_lock_timeout.
  absl::Duration lock_timeout = absl::Seconds(5);
  // How long to keep retrying while the database is unreachable or locked;
  // 0 = one attempt. --wait.
  absl::Duration wait = absl::Seconds(60);
  // --log_format / $LOG_FORMAT and --log_level / $LOG_LEVEL, as in serve mode.
  log::Format log_format = log::Format::kText;
  log::Level log_level = log::Level::kInfo;
  // --help: RunMigrateCommand prints MigrateUsage() and succeeds.
  bool help = false;
};

// The --help text.
const char* MigrateUsage();

// Parses the subcommand's arguments. `argv[0]` is the subcommand's own name
// ("migrate") and is skipped, like a program name; every other argument must
// be --name=value or --help. The environment fills in what the command line
// does not set. Errors name the argument and point to --help.
absl::StatusOr<MigrateCommandOptions> ParseMigrateArgs(int argc, char** argv);

// Connects (retrying with capped exponential backoff for up to
// `options.wait`, logging each retry) and applies the migrations under their
// advisory lock. Returns the versions applied, empty when the schema was
// already current. Errors that retrying cannot fix (a failing migration,
// bad credentials in the SQL sense) are returned at once.
absl::StatusOr<std::vector<int>> WaitAndMigrate(const MigrateCommandOptions& options);

// The whole subcommand: initializes logging, runs WaitAndMigrate, logs the
// outcome (with a hint on failure). Returns the process exit code: 0 when
// the schema is current, 1 when it could not be made so.
int RunMigrateCommand(const MigrateCommandOptions& options);

}  // namespace ingest
