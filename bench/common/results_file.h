#pragma once

// The JSON Lines results file of a benchmark run (bench/results/<run>/*.jsonl),
// shared by gateway_bench and worker_bench. Not thread-safe: main thread only.

#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace ingest::bench {

class ResultsFile {
 public:
  // Opens `path` for appending; an empty path means no file, and Write then
  // does nothing. FAILED_PRECONDITION when the file cannot be opened.
  absl::Status Open(const std::string& path);

  // Appends `line` and a newline, flushed at once (a run that dies keeps
  // what it measured).
  void Write(absl::string_view line);

 private:
  std::ofstream out_;
};

}  // namespace ingest::bench
