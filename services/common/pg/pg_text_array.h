#pragma once

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace ingest {

// A PostgreSQL array literal built element by element, e.g. {"a","b\"c",NULL},
// to pass as a query parameter (`unnest($1::text[])`, `= ANY($1::bigint[])`).
// Every element is double-quoted with `"` and `\` backslash-escaped, so any
// text round-trips; a NULL element is the unquoted NULL. This builds a
// parameter value, never SQL.
class PgArrayLiteral {
 public:
  void Add(absl::string_view value);
  void AddNull();
  void AddOrNull(const std::optional<std::string>& value) {
    value.has_value() ? Add(*value) : AddNull();
  }
  // The literal ("{}" when empty).
  std::string Literal() const { return out_.empty() ? "{}" : out_ + "}"; }

 private:
  void Separate() { out_.push_back(out_.empty() ? '{' : ','); }

  std::string out_;
};

// The text[] literal of `values` (PgArrayLiteral of each).
std::string ToPgTextArray(absl::Span<const std::string> values);

// A timestamptz parameter value for `time`, in UTC with microseconds.
std::string ToPgTimestamp(absl::Time time);

}  // namespace ingest
