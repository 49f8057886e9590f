#include "services/common/pg/pg_text_array.h"

namespace ingest {

void PgArrayLiteral::Add(absl::string_view value) {
  Separate();
  out_.push_back('"');
  for (char c : value) {
    if (c == '"' || c == '\\') out_.push_back('\\');
    out_.push_back(c);
  }
  out_.push_back('"');
}

void PgArrayLiteral::AddNull() {
  Separate();
  out_.append("NULL");
}

std::string ToPgTextArray(absl::Span<const std::string> values) {
  PgArrayLiteral literal;
  for (const std::string& value : values) literal.Add(absl::string_view(value));
  return literal.Literal();
}

std::string ToPgTimestamp(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6S+00:00", time, absl::UTCTimeZone());
}

}  // namespace ingest
