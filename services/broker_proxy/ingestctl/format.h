#pragma once

// Pure formatting helpers for ingestctl's tables: offsets, ages, byte sizes,
// timestamps and id lists, each as a person reads them. No I/O.

#include <cstdint>
#include <string>

#include "absl/types/span.h"

namespace ingest::ingestctl {

// An offset, or "-" for the -1 that admin.proto uses for "none stored".
std::string FormatOffset(int64_t offset);

// An age in seconds: "-" for 0 (nothing waiting), "0.4s", "12.3s", "5m12s",
// "3h05m", "2d04h". Negative ages (clock skew) print as "0s".
std::string FormatAge(double seconds);

// A byte size in binary units: "512 B", "1.5 KiB", "12.0 MiB", "3.2 GiB";
// "?" for a negative size (admin.proto's -1 = unknown).
std::string FormatBytes(int64_t bytes);

// Milliseconds since the Unix epoch as RFC 3339 UTC to the second
// ("2024-05-01T12:00:00Z"); "-" for 0.
std::string FormatUnixMillis(int64_t unix_ms);

// A length of time in milliseconds, as a person reads it: "0s", "850ms",
// "42s", "4m 12s", "1h 2m 5s", "2d 3h 4m" (whole units, truncated).
// Negative lengths print as "0s".
std::string FormatMillis(int64_t ms);

// Broker ids joined with commas ("1,2,3"); "-" when empty.
std::string FormatIds(absl::Span<const int32_t> ids);

}  // namespace ingest::ingestctl
