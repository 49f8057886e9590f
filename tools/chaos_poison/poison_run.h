#pragma once

// The run of chaos_poison, the fault of `./dev chaos poison`: produces
// malformed and conflicting records straight into the ingest topic (see
// poison_plan.h), waits until the worker has dealt with them, then checks the
// DLQ (reasons, order, bytes), quarantined_sessions and session_payloads.

#include <optional>
#include <string>

#include "absl/time/time.h"

namespace ingest::chaos {

// chaos_poison's flags (named in the comments); the defaults are theirs.
struct PoisonOptions {
  std::string kafka_bootstrap;                  // --kafka_bootstrap; required
  std::string topic = "ingest.tasks";           // --topic
  std::string dlq_topic;                        // --dlq_topic; empty: <topic>.dlq
  std::string pg_dsn;                           // --pg_dsn; required
  std::string project_id = "demo-project";      // --project
  int malformed_sessions = 4;                   // --malformed_sessions
  int conflicting_sessions = 2;                 // --conflicting_sessions
  absl::Duration timeout = absl::Seconds(120);  // --timeout
};

// Parses the command line into `options`. Returns nullopt to go on, or the
// exit status: 0 after --help, 2 after a usage error (a bad flag or value, or
// a required flag missing), with the message on stderr.
std::optional<int> ParsePoisonOptions(int argc, char** argv, PoisonOptions& options);

// Injects the poison, waits for the worker and prints one line:
//   chaos poison: poison_sessions=N dead_letters=F/E quarantined=Q/E
//   stored_as_expected=S/N dlq_in_order_byte_identical=yes|no
// Returns 0 if everything is as expected, 1 if not (or producing failed), 2
// if PostgreSQL cannot be reached.
int RunPoison(const PoisonOptions& options);

}  // namespace ingest::chaos
