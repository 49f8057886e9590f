#include "bench/common/json_line.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace ingest::bench {

std::string JsonQuote(absl::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

void JsonLine::Key(absl::string_view key) {
  if (!body_.empty()) body_ += ',';
  absl::StrAppend(&body_, JsonQuote(key), ":");
}

JsonLine& JsonLine::Add(absl::string_view key, absl::string_view value) {
  Key(key);
  body_ += JsonQuote(value);
  return *this;
}

JsonLine& JsonLine::Add(absl::string_view key, int64_t value) {
  Key(key);
  absl::StrAppend(&body_, value);
  return *this;
}

namespace {

// Nine significant digits: more than any measurement here deserves.
std::string JsonNumber(double value) {
  return std::isfinite(value) ? absl::StrFormat("%.9g", value) : std::string("null");
}

}  // namespace

JsonLine& JsonLine::Add(absl::string_view key, double value) {
  Key(key);
  body_ += JsonNumber(value);
  return *this;
}

JsonLine& JsonLine::AddNumbers(absl::string_view key, const std::vector<double>& values) {
  Key(key);
  body_ += '[';
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) body_ += ',';
    body_ += JsonNumber(values[i]);
  }
  body_ += ']';
  return *this;
}

JsonLine& JsonLine::AddPoints(absl::string_view key,
                              const std::vector<std::pair<double, double>>& points) {
  Key(key);
  body_ += '[';
  for (size_t i = 0; i < points.size(); ++i) {
    if (i > 0) body_ += ',';
    absl::StrAppend(&body_, "[", JsonNumber(points[i].first), ",", JsonNumber(points[i].second), "]");
  }
  body_ += ']';
  return *this;
}

JsonLine& JsonLine::AddRaw(absl::string_view key, absl::string_view json) {
  Key(key);
  body_.append(json.data(), json.size());
  return *this;
}

JsonLine& JsonLine::Add(absl::string_view key, bool value) {
  Key(key);
  body_ += value ? "true" : "false";
  return *this;
}

}  // namespace ingest::bench
