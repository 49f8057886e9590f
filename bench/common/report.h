#pragma once

// How the benchmarks print a measured number on their `bench <name>: ...`
// lines and notes (the gateway, worker and end-to-end benchmarks alike).

#include <string>

namespace ingest::bench {

// `value` with `digits` significant digits and never an exponent: 12345.6 ->
// "12346", 85.23 -> "85.2", 1.2345 -> "1.23", 0.01234 -> "0.0123", 0 -> "0".
std::string FormatSignificant(double value, int digits = 3);

}  // namespace ingest::bench
