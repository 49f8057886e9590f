#pragma once

// Helpers for tests that watch real processes: wait for a condition with a
// deadline (never a bare sleep), and read a process's log file back.

#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace ingest {

// Polls `condition` every `every` until it holds (true) or `timeout`
// passes (false).
inline bool WaitUntil(absl::Duration timeout, const std::function<bool()>& condition,
                      absl::Duration every = absl::Milliseconds(100)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!condition()) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(every);
  }
  return true;
}

// The lines of the file at `path` (none when it cannot be read).
inline std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream file(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(file, line);) lines.push_back(std::move(line));
  return lines;
}

// The last `lines` lines of the file at `path`, joined by newlines.
inline std::string Tail(const std::string& path, size_t lines) {
  std::vector<std::string> all = ReadLines(path);
  const size_t from = all.size() > lines ? all.size() - lines : 0;
  return absl::StrJoin(all.begin() + static_cast<std::ptrdiff_t>(from), all.end(), "\n");
}

}  // namespace ingest
