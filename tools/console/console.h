#pragma once

// What the tools and benchmarks write to the terminal: one status line (a
// progress bar, counts) and log lines (retries, notes, errors) that never
// interleave mid-line.

#include <cstdio>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace ingest::console {

// On a terminal the status line is redrawn in place with '\r'; a log line
// first clears it, prints itself, then redraws it. Elsewhere (a log file, CI)
// each status update is a plain line of its own. Thread-safe.
class Console {
 public:
  // Writes to `out` (not owned; must outlive the Console).
  Console(std::FILE* out, bool is_tty);

  // The process's stderr console, shared by everything that writes there.
  static Console& Stderr();

  // True if `file` is a terminal.
  static bool IsTty(std::FILE* file);

  bool is_tty() const { return is_tty_; }

  // Shows `line` as the current status (see class comment).
  void SetStatus(absl::string_view line);

  // Ends the current status line: it stays on screen and later output starts
  // on a fresh line. No-op if there is none.
  void EndStatus();

  // Prints `line` on a line of its own, keeping the status line (if any)
  // below it.
  void Log(absl::string_view line);

 private:
  void WriteLocked(absl::string_view text) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  std::FILE* const out_;
  const bool is_tty_;
  absl::Mutex mu_;
  std::string status_ ABSL_GUARDED_BY(mu_);  // shown on a TTY, if non-empty
};

}  // namespace ingest::console
