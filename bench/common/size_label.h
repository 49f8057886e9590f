#pragma once

// Message sizes as people write them: "10KB", "100KB", "1MB", "256MB", on
// the command line and in results. KB and MB are binary here (1 KB = 1024
// bytes, 1 MB = 1024 KB), as in the load generator's payload sizes.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace ingest::bench {

// Parses "<positive integer><unit>" with unit B, KB or MB (case-insensitive).
// INVALID_ARGUMENT with the offending text otherwise.
absl::StatusOr<int64_t> ParseSize(absl::string_view text);

// A comma-separated list of sizes, e.g. "10KB,100KB,1MB"; at least one.
absl::StatusOr<std::vector<int64_t>> ParseSizeList(absl::string_view text);

// The label of the largest unit that divides `bytes` exactly: 10240 -> "10KB",
// 1048576 -> "1MB", 1500 -> "1500B". Round-trips through ParseSize.
std::string SizeLabel(int64_t bytes);

// Bytes in MB (binary, as in the labels), for notes and results records.
inline double ToMb(int64_t bytes) { return static_cast<double>(bytes) / (1 << 20); }

// "10KB,100KB,1MB": round-trips through ParseSizeList.
std::string SizeListLabel(absl::Span<const int64_t> sizes);

// ParseSize, or 0 for "0" (a size flag whose 0 means "skipped" or "the
// default").
absl::StatusOr<int64_t> ParseSizeOrZero(absl::string_view text);

// A `name SIZE` flag into `bytes` (ParseSize; ParseSizeOrZero with
// `zero_allowed`); --help shows `bytes` now as the default.
CLI::Option* AddSizeFlag(CLI::App& app, const std::string& name, int64_t& bytes,
                         const std::string& help, bool zero_allowed = false);

}  // namespace ingest::bench
