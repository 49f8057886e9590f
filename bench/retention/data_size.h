#pragma once

// Amounts of data as the retention benchmark's flags and lines write them:
// "100MB", "1GB", "10GB" (also "512KB", "4096B", and the "KiB", "MiB",
// "GiB" spellings). Every unit is binary (1 KB = 1024 bytes, 1 GB = 2^30
// bytes), as bench/common/size_label.h's KB and MB are. Pure.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace ingest::bench_retention {

inline constexpr int64_t kKiB = int64_t{1} << 10;
inline constexpr int64_t kMiB = int64_t{1} << 20;
inline constexpr int64_t kGiB = int64_t{1} << 30;

// "<positive integer><unit>", unit B, KB, MB, GB, KiB, MiB or GiB
// (case-insensitive), at most 1 TB. INVALID_ARGUMENT naming the text and
// what to write otherwise.
absl::StatusOr<int64_t> ParseDataSize(absl::string_view text);

// A comma-separated list, e.g. "1GB,10GB"; at least one.
absl::StatusOr<std::vector<int64_t>> ParseDataSizeList(absl::string_view text);

// The largest unit that divides `bytes` exactly: 10737418240 -> "10GB",
// 104857600 -> "100MB", 1500 -> "1500B". Round-trips through ParseDataSize.
std::string DataSizeLabel(int64_t bytes);

// "1GB,10GB": round-trips through ParseDataSizeList.
std::string DataSizeListLabel(absl::Span<const int64_t> sizes);

// Bytes in MB (binary), for lines and records.
inline double ToMb(int64_t bytes) { return static_cast<double>(bytes) / kMiB; }

}  // namespace ingest::bench_retention
