#pragma once

// The JSON Lines results file of a benchmark run (bench/results/<run>/*.jsonl),
// shared by every benchmark and the chaos runs. Each result is a protobuf
// message (the tool's *_results.proto) written with protobuf's JSON printer:
// field names as in the .proto, zero values included. Not thread-safe: main
// thread only.

#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace ingest::bench {

class ResultsFile {
 public:
  // Opens `path` for appending; an empty path means no file, and Write then
  // does nothing. FAILED_PRECONDITION when the file cannot be opened.
  absl::Status Open(const std::string& path);

  // Appends `line` and a newline, flushed at once (a run that dies keeps
  // what it measured).
  void Write(absl::string_view line);

  // Appends `result` as one JSON object (see ToJsonLine).
  void Write(const google::protobuf::Message& result);

 private:
  std::ofstream out_;
};

// `message` as one line of JSON: protobuf's JSON printer with the .proto's
// field names, fields at their zero value printed (a reader sees every key of
// the record), no newline. int64 fields come out as JSON strings, as proto3's
// JSON mapping says; results use int32 or double where a reader does
// arithmetic.
std::string ToJsonLine(const google::protobuf::Message& message);

}  // namespace ingest::bench
