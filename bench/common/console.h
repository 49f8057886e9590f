#pragma once

// What a benchmark says, shared by gateway_bench and worker_bench: notes
// ("[bench] ..." on stderr, as things happen) and result lines (stdout, the
// lines ./dev collects). Each call writes one line and flushes.

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace ingest::bench {

// "[bench] <line>" on stderr, through the process's stderr Console, so a
// note never breaks a phase's progress line mid-line.
void Note(absl::string_view line);

// "<line>" on stdout.
void Print(absl::string_view line);

// Leaves after an error: prints the result `lines` measured so far, notes
// the error and exits with status 1 without unwinding (callbacks still in
// flight may reference the phase that failed).
[[noreturn]] void ExitAfterError(const absl::Status& status, absl::Span<const std::string> lines);

}  // namespace ingest::bench
