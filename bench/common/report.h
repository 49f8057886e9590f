#pragma once

// How the benchmarks print a measured number on their `bench <name>: ...`
// lines and notes (the gateway, worker and end-to-end benchmarks alike), and
// how a results record holds one that may not have been measured.

#include <optional>
#include <string>

#include "google/protobuf/struct.pb.h"

namespace ingest::bench {

// `value` with `digits` significant digits and never an exponent: 12345.6 ->
// "12346", 85.23 -> "85.2", 1.2345 -> "1.23", 0.01234 -> "0.0123", 0 -> "0".
std::string FormatSignificant(double value, int digits = 3);

// A record's number (a google.protobuf.Value field); null when `value` is not
// finite (not measured).
google::protobuf::Value Nullable(double value);

// The number of such a field; nullopt when it is null.
std::optional<double> NumberOf(const google::protobuf::Value& value);

}  // namespace ingest::bench
