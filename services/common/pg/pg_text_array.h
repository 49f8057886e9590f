#pragma once

#include <string>

#include "absl/types/span.h"

namespace ingest {

// The PostgreSQL text[] literal for `values`, e.g. {"a","b\"c"}, to pass as a
// query parameter (`= ANY($1::text[])`). Every element is double-quoted with
// `"` and `\` backslash-escaped, so any text round-trips. This builds a
// parameter value, never SQL.
std::string ToPgTextArray(absl::Span<const std::string> values);

}  // namespace ingest
